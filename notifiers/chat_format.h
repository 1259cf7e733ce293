// Chat payloads for Slack, Microsoft Teams (Workflows), Mattermost and Chatwork: pure renderers
// (no I/O, no clock). Advisory and mail text is untrusted: every piece of it is cleaned (invalid
// UTF-8 → U+FFFD; control, C1 and bidi-override characters dropped) and escaped for the
// service's markup, links are http/https only and one line, and every text is cut to the
// service's limits, so a feed can neither ping a channel, forge a link or tag, nor get a
// message rejected for its size.
#pragma once

#include "core/advisory.h"
#include "core/match.h"
#include "core/message.h"
#include "notifiers/render.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vw {

// Service limits (characters, i.e. Unicode code points, unless said otherwise).
/// Slack: a section block's text, and the message's top-level `text` as sent here.
inline constexpr std::size_t kSlackSectionTextMax = 3000;
/// Slack: one field of a section block.
inline constexpr std::size_t kSlackFieldTextMax = 2000;
/// Slack: blocks in one message.
inline constexpr std::size_t kSlackMaxBlocks = 50;
/// Teams: the whole request body, in bytes (Teams drops cards past about 28 KB).
inline constexpr std::size_t kTeamsPayloadMaxBytes = 28000;
/// Mattermost: a post's `text`.
inline constexpr std::size_t kMattermostTextMax = 16383;
/// Chatwork: a message body.
inline constexpr std::size_t kChatworkBodyMax = 65535;

/// Untrusted text made safe to show: invalid UTF-8 → U+FFFD; C0 controls but LF, DEL, C1
/// controls (U+0080–U+009F) and the bidi embedding/override/isolate characters dropped; CR LF,
/// lone CR, U+2028 and U+2029 → LF; with `multiline` false every LF and TAB is a space and runs
/// of spaces collapse (as oneLine()); with it, at most one blank line in a row. Trimmed.
std::string cleanChatText(std::string_view text, bool multiline);

/// The number of Unicode characters in valid UTF-8 `text`.
std::size_t utf8Length(std::string_view text);

/// Slack mrkdwn: `&`, `<` and `>` as `&amp;`, `&lt;`, `&gt;` (Slack's documented escaping, so
/// `<!channel>`, `<@U123>` and `<url|text>` cannot be formed), and a zero-width joiner after the
/// `@` of `@channel`, `@here` and `@everyone`. At most `maxChars` characters; a cut text ends with
/// `…` and never inside an entity. `text` must be cleanChatText() output.
std::string slackEscape(std::string_view text, std::size_t maxChars = kSlackSectionTextMax);

/// Mattermost markdown: a backslash before every markdown special (`\` `` ` `` `*` `_` `[` `]`
/// `(` `)` `<` `>` `#` `!` `~` `|` `&`) and before list or heading markers at the start of a line,
/// and a zero-width joiner after every `@` that would start a mention (`@channel`, `@all`,
/// `@here`, `@someone`). At most `maxChars` characters, as slackEscape(). `startsLine` false:
/// the text follows other text on its first line (its start is no line start).
std::string mattermostEscape(std::string_view text, std::size_t maxChars = kMattermostTextMax,
                             bool startsLine = true);

/// Chatwork: `[` and `]` as the full-width `［` and `］`, so no tag (`[To:1]`, `[toall]`,
/// `[info]`, `[/code]`, …) can be formed. At most `maxChars` characters.
std::string chatworkEscape(std::string_view text, std::size_t maxChars = kChatworkBodyMax);

/// `url` as a link target, or "" when it must not become one: trimmed, one line (any control
/// character rejects it), `http://` or `https://` (any case) with a host, no user info; spaces,
/// non-ASCII bytes and `"<>[]()\^`{|}` percent-encoded so the URL cannot end a markup link.
std::string chatLink(std::string_view url);

/// Slack incoming-webhook JSON: a fallback `text` and Block Kit `blocks` (sections only, all
/// mrkdwn, each within kSlackSectionTextMax; fewer than kSlackMaxBlocks blocks). `update` null
/// for a new match.
std::string slackPayload(const Advisory& a, const Match& m, const UpdateNotice* update = nullptr);

/// Teams Workflows JSON: `{"type":"message","attachments":[{"contentType":
/// "application/vnd.microsoft.card.adaptive","contentUrl":null,"content":<AdaptiveCard 1.4>}]}`.
/// Every piece of advisory or match text sits in a RichTextBlock TextRun, which Adaptive Cards
/// never read as markdown (TextBlock and Fact text they do), so nothing needs escaping; the link
/// is an Action.OpenUrl. The summary is shortened until the body is at most
/// kTeamsPayloadMaxBytes.
std::string teamsPayload(const Advisory& a, const Match& m, const UpdateNotice* update = nullptr);

/// Mattermost incoming-webhook JSON `{"text":"<markdown>"}`, the text at most kMattermostTextMax.
std::string mattermostPayload(const Advisory& a, const Match& m,
                              const UpdateNotice* update = nullptr);

/// Chatwork message text (`[info][title]…[/title]…[/info]`), at most kChatworkBodyMax.
std::string chatworkMessage(const Advisory& a, const Match& m,
                            const UpdateNotice* update = nullptr);
/// The request body for `POST /v2/rooms/{room_id}/messages`:
/// `body=<chatworkMessage, form-urlencoded>`.
std::string chatworkPayload(const Advisory& a, const Match& m,
                            const UpdateNotice* update = nullptr);

/// One line of a chat card's facts: our label ("製品 (Product)") and its value.
struct ChatFact {
    std::string label; // ours, trusted
    std::string value; // cleaned, one line, capped
};

/// What a chat message says, in the layout every service above gets: a heading
/// `LABEL: PRODUCT — ID` (ID linked to `link` when there is one), the title, the facts, the
/// changes and the summary. Every piece but `label` and the fact labels is untrusted: cleaned
/// (cleanChatText) and capped by whoever builds the card, escaped by the renderer. The match
/// payloads above are built from one; so are other notices (notifiers/case_notice.h).
struct ChatCard {
    std::string label;   // ours: "脆弱性 (vulnerability)" …
    std::string product; // one line
    std::string id;      // one line
    std::string title;   // one line, "" for none
    std::string link;    // chatLink() or ""
    std::vector<ChatFact> facts;
    std::vector<std::string> changes; // "field: before → after", material first (marked "*")
    std::string summary;              // multi-line, "" for none
};

/// The payload of a card for `type` (slack, teams, mattermost, chatwork), laid out, escaped and
/// kept within the service's limits as the match payloads are (Teams: the free text cut until
/// the body is at most kTeamsPayloadMaxBytes; Chatwork: the form body). Throws
/// std::invalid_argument for any other type.
std::string chatCardPayload(std::string_view type, const ChatCard& card);

/// The notifier types these renderers serve: slack, teams, mattermost, chatwork.
bool isChatServiceType(std::string_view type);

/// The outbox message for a webhook-style notifier of `type`: renderWebhook()'s message (its
/// subject, text and idempotency key) with the payload of that type (for `webhook` and any
/// other type the generic JSON stays).
OutMessage renderChat(const std::string& type, const Advisory& a, const Match& m,
                      const std::string& notifierName, const std::string& clusterKey = {});
/// The same for an update: renderUpdateWebhook()'s message with the type's payload.
OutMessage renderUpdateChat(const std::string& type, const Advisory& a, const Match& m,
                            const UpdateNotice& update, const std::string& notifierName,
                            const std::string& clusterKey);

} // namespace vw
