// E-mail over SMTP (Poco::Net): STARTTLS or implicit TLS, AUTH, one message per delivery.
#pragma once

#include "config/config.h"
#include "notifiers/mail_charset.h"
#include "notifiers/notifier.h"

#include <cstdint>
#include <optional>
#include <string>

namespace vw {

/// Where an `smtp` setting points: `smtp://host[:port]` (default port 25, STARTTLS per the
/// `starttls` setting) or `smtps://host[:port]` (default 465, TLS from the first byte).
struct SmtpEndpoint {
    bool implicitTls = false;
    std::string host; // without brackets for IPv6 literals
    std::uint16_t port = 25;
};

/// Parses an `smtp` setting; nullopt when it is not one of the two forms above
/// (a trailing "/" is allowed; user info, paths and queries are not).
std::optional<SmtpEndpoint> parseSmtpUrl(const std::string& url);

/// A header value for RFC 5322 in UTF-8: encodeHeaderText(text, MailCharset::Utf8)
/// (notifiers/mail_charset.h).
std::string encodeHeaderText(const std::string& text);

/// Sends an OutMessage to its recipient: `subject`, and `text` as text/plain, or, when `html`
/// is set, multipart/alternative with `text` then `html` (text/html, UTF-8, base64). The text
/// and the RFC 2047 subject and sender name are UTF-8 (text in base64), or with
/// `charset = iso-2022-jp` ISO-2022-JP (text 7bit; notifiers/mail_charset.h says what becomes
/// of characters it lacks). Headers: `Message-ID: <idempotencyKey@vulnwatch>` (retries keep
/// one id), `In-Reply-To` and `References: <thread@vulnwatch>` when `thread` is set (an update
/// threads under the first message), `List-Id: <list_id>`, `Auto-Submitted: auto-generated`.
///
/// TLS is always verified (the config's caFile, else the system store). With `smtp://` the
/// session upgrades through STARTTLS when the server offers it (`starttls = required`:
/// refuses to go on without it; `off`: never tries). Credentials (`user`, `password`) are
/// only sent over TLS unless `starttls = off`; AUTH PLAIN is preferred over LOGIN.
///
/// Outcomes: the server accepted the data → Delivered (reply: its final response line);
/// a 5xx reply at any step → Failed; 4xx, connection errors, timeouts and TLS failures
/// → Retry. deliver() never throws.
class EmailNotifier : public Notifier {
public:
    /// Throws std::invalid_argument when `config.smtp` is not a valid smtp(s) URL,
    /// `config.starttls` is not auto, required or off, or `config.charset` is not utf-8 or
    /// iso-2022-jp.
    explicit EmailNotifier(NotifierConfig config);

    const std::string& name() const override { return config_.name; }
    DeliveryResult deliver(const OutMessage& message) override;

private:
    DeliveryResult send(const OutMessage& message);

    NotifierConfig config_;
    SmtpEndpoint endpoint_;
    MailCharset charset_ = MailCharset::Utf8;
};

} // namespace vw
