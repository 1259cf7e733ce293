// E-mail templates: Mustache (kainjow, the mustache.github.io language) for the subject, the
// plain text and the HTML of the two mails vulnwatch sends an owner, the new match and the
// update, in Japanese and English. The built-in ones (notifiers/templates/*.mustache) are
// compiled in; a `templates = DIR` directory replaces them file by file.
//
// Rendering is pure: the same view and templates give the same bytes, so a message rendered at
// enqueue time is resent unchanged. Values are inserted as they are into subjects and text and
// HTML-escaped into HTML, whichever tag the template uses ({{x}}, {{{x}}} or {{&x}}): an
// override cannot let advisory text become markup.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vw {

/// Which mail: the first message about a match, the update after a material revision, an
/// owner's digest (whose subject and text are written by notifiers/digest.cpp: it has an `html`
/// template only), or a hospital notice (notifiers/hospital_notice.h, rendered from MailData).
enum class MailKind { Match, Update, Digest, Notice };

/// Which part of it a template renders.
enum class MailPart { Subject, Text, Html };

/// One CVSS entry as a template shows it (docs/configuration.md lists the variable names).
struct MailCvss {
    std::string version;  // cvss_version: "3.0"
    std::string score;    // cvss_score: "5.4"
    std::string severity; // cvss_severity: "Medium"
    std::string vector;   // cvss_vector
};

/// One reference of the advisory; `url` is an http(s) link or "".
struct MailReference {
    std::string source; // ref_source
    std::string id;     // ref_id
    std::string url;    // ref_url
};

/// One changed field of an update, values already cut to a readable length.
struct MailChange {
    std::string field;  // change_field
    std::string before; // change_before ("" for none)
    std::string after;  // change_after ("" for none)
    bool material = false;
};

/// Everything a mail template may show, already cleaned (valid UTF-8, no control characters,
/// links http(s) only): notifiers/render builds it from an advisory and a match. An empty
/// string is left out of the template data, so `{{^x}}none{{/x}}` shows a fallback.
struct MailView {
    std::string id;
    std::vector<std::string> aliases;
    std::string title;      // one line
    std::string titleShort; // title_short: the title cut for a subject line (ends with "…")
    bool withdrawn = false;
    std::vector<MailCvss> cvss;
    std::string maxScore;    // max_score: the highest CVSS score, "" without CVSS
    std::string maxSeverity; // max_severity: its severity
    std::string published;   // ISO 8601, "" when unknown
    std::string modified;
    std::string url;     // http(s) or ""
    std::string summary; // several lines (LF), no trailing newline
    std::vector<MailReference> references;
    std::string product;
    std::string productVersion;
    std::string component;
    bool needsReview = false;
    int confidence = 0;
    std::string method;
    std::string reason;
    // Update mails only.
    bool withdrawnNow = false;       // withdrawn_now: this revision withdrew the advisory
    std::vector<MailChange> changes; // material ones first
};

/// One changed field of a digest entry.
struct DigestMailChange {
    std::string field;  // change_field
    std::string before; // change_before
    std::string after;  // change_after
};

/// One entry of a digest as the template shows it (cleaned, links http(s) only).
struct DigestMailItem {
    std::string kind;      // kind: new | update | withdrawn
    std::string kindLabel; // kind_label: the word for it in the digest's language
    std::string advisory;
    std::string title;
    std::string url;   // http(s) or ""
    std::string score; // "9.8", "" without CVSS
    std::string component;
    std::string method;
    std::string verdict;
    int confidence = 0;
    std::string reason;
    std::vector<DigestMailChange> changes;
};

/// The entries of one CVSS band (4 critical … 0 none) of one product version.
struct DigestMailBand {
    int band = 0;
    std::string label; // band_label: "緊急 (CVSS 9.0-10.0)"
    std::vector<DigestMailItem> items;
};

/// One product version of a digest, its bands highest first.
struct DigestMailGroup {
    std::string product;
    std::string version;
    std::vector<DigestMailBand> bands;
};

/// A source's last successful poll, for the heartbeat ("" when never).
struct DigestMailSource {
    std::string name;
    std::string lastSuccess;
};

/// One open case of a digest as the template shows it (cleaned).
struct DigestMailCase {
    std::string id;       // case_id: "12"
    std::string product;  // case_product
    std::string version;  // case_version
    std::string title;    // case_title
    std::string advisory; // case_advisory: "" for a case opened by hand
    std::string state;    // case_state: "受付 (received)" / "received (受付)"
    std::string due;      // case_due: "2026-05-01 18:00 JST", "" when no clock runs
    std::string clock;    // case_clock: "判断" / "decide"
    bool overdue = false; // case_overdue
    std::string ssvc;     // case_ssvc: "" before any evaluation
};

/// Everything a digest's HTML template may show (docs/configuration.md lists the names).
struct DigestMailView {
    std::string recipient;
    std::string periodStart; // "" for none (since the last digest)
    std::string periodEnd;
    int count = 0;   // entries
    int news = 0;    // of which new
    int updates = 0; // of which updates or withdrawals
    std::vector<DigestMailGroup> groups;
    std::vector<DigestMailSource> sources; // heartbeat (count 0) only
    std::vector<DigestMailCase> cases;     // the open cases listed, by due date
    int openCases = 0;                     // open_cases: all open cases, listed or not
    int overdueCases = 0;                  // overdue_cases: of which overdue
    int moreCases = 0;                     // more_cases: open cases not listed
    std::string auditHead;                 // "audit head SEQ HASH", "" when not given
};

/// A template view its caller builds (hospital notices): named texts (already cleaned; left
/// out when empty, HTML-escaped for the HTML part like every other value), flags, lists of
/// texts ({{.}}) and lists of such views.
struct MailData {
    std::vector<std::pair<std::string, std::string>> texts;
    std::vector<std::pair<std::string, bool>> flags;
    std::vector<std::pair<std::string, std::vector<std::string>>> strings;
    std::vector<std::pair<std::string, std::vector<MailData>>> lists;
};

struct RenderedMail {
    std::string subject; // one line
    std::string text;
    std::string html;
};

/// A template file that cannot be used: what() reads "FILE: message".
class MailTemplateError : public std::runtime_error {
public:
    MailTemplateError(std::string file, const std::string& message);
    const std::string& file() const { return file_; }

private:
    std::string file_;
};

/// A complete set of templates: for each kind, language (ja, en) and part, the built-in one or
/// the file that replaced it. Immutable once made, so one set may serve many threads.
class MailTemplates {
public:
    /// The languages there are templates for, the default first: "ja", "en".
    static const std::vector<std::string>& languages();

    /// The file name of one template: "<kind>.<language>.<part>.mustache", kind `match`,
    /// `update` or `digest`, part `subject`, `text` or `html` (e.g. "match.ja.html.mustache"). A
    /// digest has the `html` part only.
    static std::string fileName(MailKind kind, std::string_view language, MailPart part);

    /// The compiled-in templates.
    static std::shared_ptr<const MailTemplates> builtIn();

    /// The built-in templates with every file of `dir` named as fileName() gives in their place.
    /// Throws MailTemplateError (naming the file) when the directory cannot be read, a template
    /// file cannot be read, is larger than 256 KiB, is not UTF-8 or does not parse, or when
    /// another `*.mustache` file is there (a misspelt name would otherwise be ignored).
    static std::shared_ptr<const MailTemplates> load(const std::string& dir);

    /// The subject (rendered, then on one line), text and HTML of one mail. The text and HTML
    /// templates also see `subject`, and `lang` (the language used). A language without
    /// templates gets the Japanese ones. Throws MailTemplateError only for a template that fails
    /// while rendering (load() already parsed each one), std::invalid_argument for
    /// MailKind::Digest (renderDigestHtml).
    RenderedMail render(MailKind kind, std::string_view language, const MailView& view) const;

    /// The subject, text and HTML of a mail of `kind` (MailKind::Notice) from a view its caller
    /// built; same language fallback and errors as render().
    RenderedMail renderData(MailKind kind, std::string_view language, const MailData& data) const;

    /// The HTML of a digest from the `digest.<language>.html` template, which also sees
    /// `subject` and `lang`. Same language fallback and errors as render().
    std::string renderDigestHtml(std::string_view language, const DigestMailView& view,
                                 const std::string& subject) const;

    /// Where a template came from: "built-in" or the path of the file that replaced it.
    const std::string& origin(MailKind kind, std::string_view language, MailPart part) const;

private:
    struct Entry {
        std::string source;
        std::string origin;
    };
    MailTemplates() = default;
    const Entry& entry(MailKind kind, std::string_view language, MailPart part) const;

    std::vector<Entry> entries_; // index: (kind * languages + language) * parts + part
};

} // namespace vw
