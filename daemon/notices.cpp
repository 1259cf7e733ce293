#include "daemon/notices.h"

#include "core/advisory.h"
#include "daemon/cases.h"
#include "daemon/json_read.h"
#include "store/audit.h"
#include "store/cases.h"
#include "store/evidence.h"
#include "store/installbase.h"

#include <algorithm>
#include <map>
#include <set>

namespace vw {

namespace {

using Kind = NoticeRefused::Kind;

std::string field(const Case& c, const char* name) {
    const auto it = c.fields.find(name);
    return it == c.fields.end() ? std::string() : it->second;
}

/// The enabled user called `name` who may triage `product`; refused otherwise.
User userWhoMay(Store& store, const std::string& name, const std::string& product, const char* what,
                const char* whatJa) {
    if (name.empty()) {
        throw NoticeRefused(Kind::Invalid, std::string("name the user who ") + what + " (--user)",
                            std::string(whatJa) + "ユーザーを指定してください (--user)");
    }
    const std::optional<User> user = findUser(store, name);
    if (!user || user->disabled) {
        throw NoticeRefused(Kind::Forbidden, "there is no user '" + name + "'",
                            "ユーザー '" + name + "' は登録されていません");
    }
    if (!mayTriage(*user, product)) {
        throw NoticeRefused(Kind::Forbidden,
                            "user '" + user->name + "' (" + std::string(userRoleName(user->role)) +
                                ") may not " + what + " notices of " + product +
                                " (an admin or a triager of the product may)",
                            "ユーザー '" + user->name + "' には " + product + " のお知らせを" +
                                whatJa + "権限がありません (管理者か製品の担当者のみ)");
    }
    return *user;
}

void appendNoticeEvent(Store& store, const char* kind, const Notice& n, const std::string& actor,
                       const std::string& site, const std::string& text,
                       std::vector<std::string> evidence,
                       std::vector<std::pair<std::string, std::string>> details, std::int64_t now) {
    AuditEvent e;
    e.kind = kind;
    e.at = now;
    e.text = text;
    e.caseId = std::to_string(n.caseId);
    e.actor = actor;
    e.subjects = {"notice:" + std::to_string(n.id), "product:" + n.product};
    std::sort(evidence.begin(), evidence.end());
    evidence.erase(std::unique(evidence.begin(), evidence.end()), evidence.end());
    e.evidence = std::move(evidence);
    details.emplace_back("notice", std::to_string(n.id));
    // Where the step was made, as a case change records it (docs/cases.md "Sites").
    details.emplace_back("site", site.empty() ? hostSiteName() : site);
    std::sort(details.begin(), details.end());
    e.details = std::move(details);
    store.appendEvent(e);
}

Notice noticeOrRefuse(Store& store, std::int64_t id) {
    std::optional<Notice> n = noticeById(store, id);
    if (!n) {
        throw NoticeRefused(Kind::NotFound, "there is no notice " + std::to_string(id),
                            "お知らせ " + std::to_string(id) + " はありません");
    }
    return std::move(*n);
}

struct VulnFacts {
    std::string advisory;
    std::vector<std::string> ids;
    std::string title;
    std::string summary;
    std::string url;
    double score = 0.0;
    std::string severity;
    std::string vector;
};

VulnFacts factsOf(Store& store, const Case& c) {
    VulnFacts f;
    f.title = c.title;
    if (c.clusterId == 0) {
        return f;
    }
    const ClusterSummary s = store.cluster(c.clusterId);
    f.advisory = s.primaryId;
    f.ids = s.ids;
    if (!s.title.empty()) {
        f.title = s.title;
    }
    f.score = s.maxScore;
    // The summary, URL and CVSS from the records (the highest score first).
    for (const ClusterRecord& r : store.clusterRecords(c.clusterId)) {
        Advisory a;
        try {
            a = advisoryFromJson(r.json);
        } catch (const std::exception&) {
            continue; // an unreadable stored record: the others may say it
        }
        if (f.summary.empty() || (a.source != "mail" && a.summary.size() > f.summary.size())) {
            f.summary = a.summary.empty() ? f.summary : a.summary;
        }
        if (f.url.empty()) {
            f.url = a.url;
        }
        for (const Cvss& cv : a.cvss) {
            if (cv.score > 0.0 && (cv.score > f.score || f.severity.empty()) &&
                cv.score >= f.score) {
                f.score = cv.score;
                f.severity = cv.severity;
                f.vector = cv.vector;
            }
        }
    }
    return f;
}

/// Notice `id` under its row's write lock, checked against the version the caller saw
/// (`expectVersion`, 0 = not checked): NotFound, or NoticeConflict when it changed since.
Notice lockedNotice(Store& store, std::int64_t id, std::int64_t expectVersion) {
    if (!lockNotice(store, id)) {
        return noticeOrRefuse(store, id); // refuses: there is no such notice
    }
    Notice n = noticeOrRefuse(store, id);
    if (expectVersion != 0) {
        std::vector<CaseEventRow> events = noticeEvents(store, n);
        const std::int64_t version = noticeVersion(events);
        if (version != expectVersion) {
            std::optional<CaseEventRow> change;
            if (!events.empty()) {
                change = std::move(events.back());
            }
            throw NoticeConflict(std::move(n), std::move(change), version, expectVersion);
        }
    }
    return n;
}

std::pair<std::string, std::string> conflictText(const Notice& n,
                                                 const std::optional<CaseEventRow>& change,
                                                 std::int64_t version, std::int64_t expected) {
    const std::string id = std::to_string(n.id);
    const StaleViewText text =
        staleViewText("notice " + id, "お知らせ " + id, change, n.preparedAt, expected, version,
                      std::string(noticeStateName(n.state)),
                      std::string(noticeStateJapanese(n.state)), "vulnwatch notices show " + id);
    return {text.english, text.japanese};
}

} // namespace

NoticeConflict::NoticeConflict(Notice current, std::optional<CaseEventRow> change,
                               std::int64_t version, std::int64_t expected)
    : NoticeConflict(current, change, version, expected,
                     conflictText(current, change, version, expected)) {}

NoticeConflict::NoticeConflict(Notice current, std::optional<CaseEventRow> change,
                               std::int64_t version, std::int64_t expected,
                               const std::pair<std::string, std::string>& text)
    : NoticeRefused(Kind::Conflict, text.first, text.second), current_(std::move(current)),
      change_(std::move(change)), version_(version), expected_(expected) {}

CaseGroup caseGroupOf(Store& store, std::int64_t caseId) {
    std::optional<Case> c = caseById(store, caseId);
    if (!c) {
        throw NoticeRefused(Kind::NotFound, "there is no case " + std::to_string(caseId),
                            "案件 #" + std::to_string(caseId) + " はありません");
    }
    if (c->state != CaseState::Informing) {
        throw NoticeRefused(
            Kind::Conflict,
            "case #" + std::to_string(caseId) + " is " + std::string(caseStateName(c->state)) +
                ": notices are made for cases in informing (move it there first: cases "
                "transition " +
                std::to_string(caseId) + " informing --remedy …)",
            "案件 #" + std::to_string(caseId) + " は「" + std::string(caseStateJapanese(c->state)) +
                "」です。お知らせは「医療機関への情報提供」の案件について作ります");
    }
    CaseGroup group;
    group.anchor = *c;
    if (c->clusterId == 0) {
        group.cases.push_back(*c);
        return group;
    }
    for (const Case& other : casesOfCluster(store, c->clusterId)) {
        if (other.product == c->product && other.state == CaseState::Informing) {
            group.cases.push_back(other);
        }
    }
    if (group.cases.empty()) {
        group.cases.push_back(*c);
    }
    return group;
}

const NotifierConfig* noticeNotifier(const Config& config) {
    for (const NotifierConfig& n : config.notifiers) {
        if (n.type == "email" &&
            (config.notices.notifier.empty() || n.name == config.notices.notifier)) {
            return &n;
        }
    }
    return nullptr;
}

RenderedMail renderLetter(const Config& config, const HospitalNoticeContent& content) {
    const NotifierConfig* n = noticeNotifier(config);
    return renderHospitalNotice(
        content, n != nullptr && n->templates.loaded ? n->templates.loaded.get() : nullptr);
}

std::vector<HospitalNoticeContent> noticeLetters(Store& store, const Config& config,
                                                 const CaseGroup& group,
                                                 const std::string& language) {
    std::set<std::string> versions;
    for (const Case& c : group.cases) {
        versions.insert(c.version);
    }
    const VulnFacts facts = factsOf(store, group.anchor);
    struct Recipient {
        std::vector<std::string> names;
        std::set<std::string> roles;
        std::set<std::string> versions;
        // site id → (name, role, versions, quantity)
        std::map<std::string, NoticeSite> sites;
        std::map<std::string, std::set<std::string>> siteVersions;
    };
    std::map<std::string, Recipient> byAddress;
    for (const InstallBaseEntry& e : installBase(store, group.anchor.product)) {
        if (versions.count(e.version) == 0) {
            continue;
        }
        const std::string address = mailAddressOf(e.contactEmail);
        if (address.empty()) {
            continue;
        }
        Recipient& r = byAddress[address];
        if (!e.contactName.empty() &&
            std::find(r.names.begin(), r.names.end(), e.contactName) == r.names.end()) {
            r.names.push_back(e.contactName);
        }
        r.roles.insert(e.role);
        r.versions.insert(e.version);
        NoticeSite& site = r.sites[e.siteId];
        site.name = e.siteName;
        site.role = e.role;
        site.quantity += e.quantity;
        r.siteVersions[e.siteId].insert(e.version);
    }
    std::vector<HospitalNoticeContent> out;
    const Case& a = group.anchor;
    for (auto& [address, r] : byAddress) {
        HospitalNoticeContent c;
        c.language = language.empty() ? config.notices.language : language;
        c.recipientAddress = address;
        for (const std::string& name : r.names) {
            c.recipientName += (c.recipientName.empty() ? "" : "、") + name;
        }
        c.partner = r.roles.count("lessor") != 0 || r.roles.count("distributor") != 0;
        c.product = a.product;
        c.versions.assign(r.versions.begin(), r.versions.end());
        for (auto& [siteId, site] : r.sites) {
            std::string v;
            for (const std::string& version : r.siteVersions[siteId]) {
                v += (v.empty() ? "" : ", ") + version;
            }
            site.versions = v;
            c.sites.push_back(site);
        }
        c.advisory = facts.advisory;
        c.ids = facts.ids;
        c.title = facts.title;
        c.summary = facts.summary;
        c.url = facts.url;
        c.cvssScore = facts.score;
        c.cvssSeverity = facts.severity;
        c.cvssVector = facts.vector;
        c.remedy = field(a, "remedy");
        c.fixedVersion = field(a, "fixed_version");
        c.targetVersion = field(a, "target_version");
        c.fixDue = c.fixedVersion.empty() ? a.fixDue : 0;
        c.contact = config.notices.contact;
        out.push_back(std::move(c));
    }
    return out;
}

Notice prepareNotice(Store& store, const Config& config, std::int64_t caseId,
                     const std::string& user, const std::string& language, std::int64_t now) {
    if (!language.empty() && language != "ja" && language != "en") {
        throw NoticeRefused(Kind::Invalid,
                            "a notice's language is ja or en, not '" + language + "'",
                            "言語は ja か en です ('" + language + "')");
    }
    Store::Transaction tx(store);
    const CaseGroup group = caseGroupOf(store, caseId);
    const User who = userWhoMay(store, user, group.anchor.product, "prepare", "作成する");
    for (const Notice& existing :
         noticesOfGroup(store, group.anchor.clusterId, group.anchor.product, group.anchor.id)) {
        if (existing.state == NoticeState::Draft || existing.state == NoticeState::Approved) {
            throw NoticeRefused(
                Kind::Conflict,
                "notice " + std::to_string(existing.id) + " of this case group is " +
                    std::string(noticeStateName(existing.state)) + " and not sent yet",
                "この案件グループのお知らせ " + std::to_string(existing.id) + " は「" +
                    std::string(noticeStateJapanese(existing.state)) +
                    "」でまだ送信されていません");
        }
    }
    std::vector<HospitalNoticeContent> letters = noticeLetters(store, config, group, language);
    if (letters.empty()) {
        throw NoticeRefused(Kind::Conflict,
                            "no site of the install base runs an affected version of " +
                                group.anchor.product + ": there is no one to tell",
                            "影響を受けるバージョンを使用している設置先がインストールベースに"
                            "ありません (送り先なし)");
    }
    Notice n;
    n.caseId = group.anchor.id;
    n.clusterId = group.anchor.clusterId;
    n.product = group.anchor.product;
    for (const Case& c : group.cases) {
        n.cases.push_back(c.id);
    }
    n.language = language.empty() ? config.notices.language : language;
    n.preparedBy = who.name;
    n.preparedAt = now;
    // The id first (the letters name it), then the letters.
    n.id = insertNotice(store, n, now);
    std::vector<std::string> hashes;
    std::vector<std::pair<std::string, std::string>> details;
    Statement add = store.db().prepare(
        "INSERT INTO notice_recipient (notice_id, address, name, roles, sites, subject, text, "
        "html, content_hash, state, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'draft', ?10)");
    for (HospitalNoticeContent& c : letters) {
        c.noticeId = n.id;
        const RenderedMail mail = renderLetter(config, c);
        const std::string document =
            hospitalNoticeDocument(n.id, n.language, c.recipientAddress, mail);
        const std::string hash = putEvidence(store, document, "application/json", now);
        std::string roles;
        std::string sites;
        for (const NoticeSite& s : c.sites) {
            sites += (sites.empty() ? "" : "\n") + s.name;
            if (roles.find(s.role) == std::string::npos) {
                roles += (roles.empty() ? "" : ",") + s.role;
            }
        }
        add.bind(1, n.id).bind(2, c.recipientAddress).bind(3, c.recipientName).bind(4, roles);
        add.bind(5, sites).bind(6, mail.subject).bind(7, mail.text).bind(8, mail.html);
        add.bind(9, hash).bind(10, now);
        add.run();
        add.reset();
        add.clearBindings();
        hashes.push_back(hash);
        details.emplace_back("letter." + std::to_string(hashes.size()),
                             c.recipientAddress + " " + hash);
    }
    details.emplace_back("letters", std::to_string(letters.size()));
    std::string caseList;
    for (const std::int64_t id : n.cases) {
        caseList += (caseList.empty() ? "" : ",") + std::to_string(id);
    }
    details.emplace_back("cases", caseList);
    appendNoticeEvent(store, "notice-prepare", n, who.name, configSite(config),
                      "notice " + std::to_string(n.id) + " prepared: " +
                          std::to_string(letters.size()) + " letter(s) about " + n.product,
                      hashes, details, now);
    tx.commit();
    return noticeOrRefuse(store, n.id);
}

Notice approveNotice(Store& store, const Config& config, std::int64_t noticeId,
                     const std::string& user, std::int64_t now, std::int64_t expectVersion) {
    Store::Transaction tx(store);
    const Notice n = lockedNotice(store, noticeId, expectVersion);
    const User who = userWhoMay(store, user, n.product, "approve", "承認する");
    if (!config.cases.approvers.empty() &&
        std::find(config.cases.approvers.begin(), config.cases.approvers.end(), who.name) ==
            config.cases.approvers.end()) {
        throw NoticeRefused(
            Kind::Forbidden,
            "user '" + who.name + "' is not one of the approvers ([cases] approvers)",
            "ユーザー '" + who.name + "' は承認者 ([cases] approvers) ではありません");
    }
    if (who.name == n.preparedBy) {
        throw NoticeRefused(Kind::Forbidden,
                            "notice " + std::to_string(n.id) + " was prepared by " + who.name +
                                ": a second person must approve it",
                            "お知らせ " + std::to_string(n.id) + " は " + who.name +
                                " が作成しました。承認は別の人が行ってください");
    }
    if (n.state != NoticeState::Draft) {
        throw NoticeRefused(Kind::Conflict,
                            "notice " + std::to_string(n.id) + " is " +
                                std::string(noticeStateName(n.state)) + ", not a draft",
                            "お知らせ " + std::to_string(n.id) + " は「" +
                                std::string(noticeStateJapanese(n.state)) +
                                "」です (下書きではありません)");
    }
    if (!markNoticeApproved(store, n.id, who.name, now)) {
        throw NoticeRefused(Kind::Conflict, "notice " + std::to_string(n.id) + " is not a draft",
                            "お知らせ " + std::to_string(n.id) + " は下書きではありません");
    }
    std::vector<std::string> hashes;
    for (const NoticeLetter& l : n.letters) {
        hashes.push_back(l.contentHash);
    }
    appendNoticeEvent(store, "notice-approve", n, who.name, configSite(config),
                      "notice " + std::to_string(n.id) + " approved (prepared by " + n.preparedBy +
                          ")",
                      hashes, {{"prepared_by", n.preparedBy}}, now);
    tx.commit();
    return noticeOrRefuse(store, n.id);
}

NoticeSendOutcome sendNotice(Store& store, const Config& config, std::int64_t noticeId,
                             const std::string& user, std::int64_t now,
                             std::int64_t expectVersion) {
    Store::Transaction tx(store);
    NoticeSendOutcome out;
    const Notice n = lockedNotice(store, noticeId, expectVersion);
    const User who = userWhoMay(store, user, n.product, "send", "送信する");
    if (n.state == NoticeState::Sent) {
        out.notice = n;
        out.alreadySent = true;
        return out;
    }
    if (n.state != NoticeState::Approved) {
        throw NoticeRefused(Kind::Conflict,
                            "notice " + std::to_string(n.id) +
                                " is not approved yet: a second person approves it first "
                                "(notices approve " +
                                std::to_string(n.id) + " --user NAME)",
                            "お知らせ " + std::to_string(n.id) +
                                " はまだ承認されていません。先に別の人が承認してください");
    }
    const NotifierConfig* notifier = noticeNotifier(config);
    if (notifier == nullptr) {
        throw NoticeRefused(Kind::Invalid,
                            "no e-mail notifier is configured to send notices ([notices] "
                            "notifier or an [notifier.NAME] of type email)",
                            "お知らせを送るメール通知先が設定されていません");
    }
    std::vector<std::string> hashes;
    std::vector<std::pair<std::string, std::string>> details;
    for (const NoticeLetter& l : n.letters) {
        if (l.state != LetterState::Draft) {
            continue;
        }
        RenderedMail mail;
        mail.subject = l.subject;
        mail.text = l.text;
        mail.html = l.html;
        const OutMessage m = hospitalNoticeMessage(notifier->name, n.id, l.address, mail);
        std::int64_t outboxId = store.enqueue(m, now, now);
        if (outboxId == 0) {
            // Queued before (the key is the notice's and the address's): the same message.
            Statement q = store.db().prepare("SELECT id FROM outbox WHERE idempotency_key = ?1");
            q.bind(1, m.idempotencyKey);
            if (q.step()) {
                outboxId = q.integer(0);
            }
        } else {
            ++out.queued;
        }
        markLetterQueued(store, l.id, outboxId, now);
        hashes.push_back(l.contentHash);
        details.emplace_back("outbox." + std::to_string(hashes.size()),
                             l.address + " " + std::to_string(outboxId));
    }
    if (!markNoticeSent(store, n.id, who.name, now)) {
        throw NoticeRefused(Kind::Conflict, "notice " + std::to_string(n.id) + " is not approved",
                            "お知らせ " + std::to_string(n.id) + " は承認済みではありません");
    }
    details.emplace_back("notifier", notifier->name);
    appendNoticeEvent(store, "notice-send", n, who.name, configSite(config),
                      "notice " + std::to_string(n.id) + " sent: " + std::to_string(out.queued) +
                          " letter(s) queued via " + notifier->name,
                      hashes, details, now);
    tx.commit();
    out.notice = noticeOrRefuse(store, n.id);
    return out;
}

Notice withdrawNotice(Store& store, std::int64_t noticeId, const std::string& user,
                      const std::string& reason, std::int64_t now, const std::string& site) {
    Store::Transaction tx(store);
    const Notice n = lockedNotice(store, noticeId, 0);
    const User who = userWhoMay(store, user, n.product, "withdraw", "取り下げる");
    if (reason.find_first_not_of(" \t\r\n") == std::string::npos) {
        throw NoticeRefused(Kind::Invalid, "say why the notice is withdrawn (--reason)",
                            "取り下げの理由を入力してください (--reason)");
    }
    if (!markNoticeWithdrawn(store, n.id)) {
        throw NoticeRefused(Kind::Conflict,
                            "notice " + std::to_string(n.id) + " is " +
                                std::string(noticeStateName(n.state)) + " and cannot be withdrawn",
                            "お知らせ " + std::to_string(n.id) + " は「" +
                                std::string(noticeStateJapanese(n.state)) +
                                "」のため取り下げられません");
    }
    appendNoticeEvent(store, "notice-withdraw", n, who.name, site,
                      "notice " + std::to_string(n.id) + " withdrawn: " + reason, {},
                      {{"reason", reason}, {"from", std::string(noticeStateName(n.state))}}, now);
    tx.commit();
    return noticeOrRefuse(store, n.id);
}

int settleNoticeLetters(Store& store, std::int64_t now, const std::string& site) {
    Store::Transaction tx(store);
    const std::vector<LetterOutcome> changed = settleLetters(store, now);
    for (const LetterOutcome& o : changed) {
        Notice n;
        n.id = o.noticeId;
        n.caseId = o.caseId;
        if (const auto stored = noticeById(store, o.noticeId)) {
            n.product = stored->product;
        }
        appendNoticeEvent(store, "notice-letter", n, "daemon", site,
                          "notice " + std::to_string(o.noticeId) + " to " + o.address + ": " +
                              std::string(letterStateName(o.state)),
                          {o.contentHash},
                          {{"to", o.address},
                           {"state", std::string(letterStateName(o.state))},
                           {"reply", o.reply}},
                          now);
    }
    tx.commit();
    return static_cast<int>(changed.size());
}

} // namespace vw
