#include "notifiers/email_notifier.h"

#include "core/redact.h"
#include "notifiers/mail_charset.h"
#include "notifiers/render.h"

#include <Poco/Environment.h>
#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/MailMessage.h>
#include <Poco/Net/MailStream.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SMTPClientSession.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/SocketStream.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/StringPartSource.h>
#include <Poco/Net/X509Certificate.h>
#include <Poco/Timespan.h>
#include <Poco/Timestamp.h>
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>
#include <vector>

namespace vw {

namespace {

using Kind = DeliveryResult::Kind;

bool isAscii(const std::string& text) {
    return std::all_of(text.begin(), text.end(),
                       [](char ch) { return static_cast<unsigned char>(ch) < 0x80; });
}

std::string lowered(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    return text;
}

std::string uppered(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
    return text;
}

std::string trimmed(const std::string& text) {
    const auto begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos) {
        return {};
    }
    const auto end = text.find_last_not_of(" \t\r\n");
    return text.substr(begin, end - begin + 1);
}

/// The address inside `Name <addr>`, or the whole trimmed text.
std::string bareAddress(const std::string& mailbox) {
    const auto open = mailbox.rfind('<');
    const auto close = mailbox.rfind('>');
    if (open != std::string::npos && close != std::string::npos && close > open) {
        return trimmed(mailbox.substr(open + 1, close - open - 1));
    }
    return trimmed(mailbox);
}

/// A From or To header value from `a@example.jp` or `Name <a@example.jp>`: a non-ASCII display
/// name is RFC 2047-encoded, the address kept.
std::string mailboxHeader(const std::string& mailbox, MailCharset charset) {
    const std::string text = oneLine(mailbox);
    const auto open = text.rfind('<');
    if (open == std::string::npos || isAscii(text)) {
        return text;
    }
    std::string display = trimmed(text.substr(0, open));
    if (display.size() >= 2 && display.front() == '"' && display.back() == '"') {
        display = display.substr(1, display.size() - 2);
    }
    return encodeHeaderText(display, charset) + " " + text.substr(open);
}

/// The last line of a (possibly multi-line) SMTP reply.
std::string lastLine(const std::string& reply) {
    std::string text = trimmed(reply);
    const auto newline = text.find_last_of('\n');
    return newline == std::string::npos ? text : trimmed(text.substr(newline + 1));
}

/// What an EHLO reply advertises.
struct Capabilities {
    bool starttls = false;
    bool authAdvertised = false;
    bool authPlain = false;
    bool authLogin = false;
};

Capabilities parseEhlo(const std::string& reply) {
    Capabilities caps;
    std::istringstream lines(reply);
    std::string line;
    while (std::getline(lines, line)) {
        line = uppered(trimmed(line));
        if (line.size() >= 4 && std::isdigit(static_cast<unsigned char>(line[0])) &&
            (line[3] == '-' || line[3] == ' ')) {
            line = line.substr(4);
        }
        std::istringstream words(line);
        std::string keyword;
        words >> keyword;
        if (keyword == "STARTTLS") {
            caps.starttls = true;
        } else if (keyword == "AUTH" || keyword.rfind("AUTH=", 0) == 0) {
            caps.authAdvertised = true;
            std::string mechanism = keyword == "AUTH" ? "" : keyword.substr(5);
            do {
                caps.authPlain = caps.authPlain || mechanism == "PLAIN";
                caps.authLogin = caps.authLogin || mechanism == "LOGIN";
            } while (words >> mechanism);
        }
    }
    return caps;
}

DeliveryResult outcome(Kind kind, std::string reply) {
    DeliveryResult result;
    result.kind = kind;
    result.reply = redactSecrets(reply); // a server may echo credentials (docs/operations.md)
    return result;
}

/// 5xx is permanent; everything else that is not a success is worth another try.
DeliveryResult fromStatus(int status, const std::string& step, const std::string& reply) {
    const Kind kind = (status >= 500 && status < 600) ? Kind::Failed : Kind::Retry;
    return outcome(kind, step + ": " + lastLine(reply));
}

std::string heloName() {
    std::string name;
    try {
        name = Poco::Environment::nodeName();
    } catch (const Poco::Exception&) {
        name.clear();
    }
    const bool usable = !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.';
    });
    return usable ? name : "localhost";
}

/// The session with the protected parts of SMTPClientSession this notifier needs: the EHLO
/// reply (capabilities), STARTTLS towards the configured host name, AUTH, and the server's
/// final reply to the message data (sendMessage() keeps it to itself).
class SmtpSession : public Poco::Net::SMTPClientSession {
public:
    explicit SmtpSession(const Poco::Net::StreamSocket& socket) : SMTPClientSession(socket) {}

    /// EHLO (HELO as fallback); throws SMTPException carrying the status on refusal.
    std::string hello(const std::string& name) {
        std::string reply;
        login(name, reply);
        return reply;
    }

    void upgradeToTls(const std::string& peerHost, Poco::Net::Context::Ptr context) {
        Poco::Net::SecureStreamSocket secure =
            Poco::Net::SecureStreamSocket::attach(socket(), peerHost, std::move(context));
        socket() = secure;
    }

    /// The server's certificate, after upgradeToTls.
    Poco::Net::X509Certificate peerCertificate() {
        return Poco::Net::SecureStreamSocket(socket()).peerCertificate();
    }

    void authPlain(const std::string& user, const std::string& password) {
        loginUsingPlain(user, password);
    }

    void authLogin(const std::string& user, const std::string& password) {
        loginUsingLogin(user, password);
    }

    /// Writes the message (dot-stuffed, terminated) after a 354 and returns the final status.
    /// Sends the message; `written` gets its MIME text as sent (before dot-stuffing).
    int transmit(const Poco::Net::MailMessage& message, std::string& reply, std::string& written) {
        std::ostringstream text;
        message.write(text);
        written = std::move(text).str();
        Poco::Net::SocketOutputStream socketStream(socket());
        Poco::Net::MailOutputStream mailStream(socketStream);
        mailStream.write(written.data(), static_cast<std::streamsize>(written.size()));
        mailStream.close();
        socketStream.flush();
        return socket().receiveStatusMessage(reply);
    }
};

/// Sends QUIT on scope exit; a failing QUIT changes nothing about the outcome.
class QuitGuard {
public:
    explicit QuitGuard(SmtpSession& session) : session_(session) {}
    QuitGuard(const QuitGuard&) = delete;
    QuitGuard& operator=(const QuitGuard&) = delete;
    ~QuitGuard() {
        try {
            session_.close();
        } catch (...) {
            // The message's fate was decided before QUIT.
        }
    }

private:
    SmtpSession& session_;
};

Poco::Net::Context::Ptr tlsContext(const std::string& caFile) {
    Poco::Net::Context::Params params;
    params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
    params.caLocation = caFile;
    params.loadDefaultCAs = caFile.empty();
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
    context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    return context;
}

/// After a TLS failure, why the server's certificate was refused: a second connection that
/// does not verify (it sends EHLO and STARTTLS at most, never a message) reads the certificate
/// and checks its dates and names. "" when it cannot tell (the chain itself, or no
/// certificate: OpenSSL's own message stands).
std::string certificateProblem(const SmtpEndpoint& endpoint, const std::string& helo,
                               const Poco::Timespan& timeout, const std::string& failure) {
    try {
        Poco::Net::Context::Params params;
        params.verificationMode = Poco::Net::Context::VERIFY_NONE;
        Poco::Net::Context::Ptr context =
            new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
        Poco::Net::StreamSocket socket;
        socket.connect(Poco::Net::SocketAddress(endpoint.host, endpoint.port), timeout);
        socket.setReceiveTimeout(timeout);
        socket.setSendTimeout(timeout);
        std::optional<Poco::Net::X509Certificate> certificate;
        if (endpoint.implicitTls) {
            Poco::Net::SecureStreamSocket secure =
                Poco::Net::SecureStreamSocket::attach(socket, endpoint.host, context);
            certificate = secure.peerCertificate();
            secure.close();
        } else {
            SmtpSession session(socket);
            session.setTimeout(timeout);
            session.open();
            session.hello(helo);
            std::string reply;
            const int status = session.sendCommand("STARTTLS", reply);
            if (status < 200 || status >= 300) {
                return "";
            }
            session.upgradeToTls(endpoint.host, context);
            certificate = session.peerCertificate();
            session.close();
        }
        const Poco::DateTime now;
        auto day = [](const Poco::DateTime& t) {
            char text[32];
            std::snprintf(text, sizeof text, "%04d-%02d-%02d", t.year(), t.month(), t.day());
            return std::string(text);
        };
        if (certificate->expiresOn() < now) {
            return "the server's certificate expired on " + day(certificate->expiresOn()) +
                   " (UTC) / サーバー証明書の有効期限が切れています";
        }
        if (now < certificate->validFrom()) {
            return "the server's certificate is not valid before " + day(certificate->validFrom()) +
                   " (UTC) / サーバー証明書はまだ有効ではありません";
        }
        if (!certificate->verify(endpoint.host)) {
            std::string common;
            std::set<std::string> names;
            certificate->extractNames(common, names);
            if (names.empty() && !common.empty()) {
                names.insert(common);
            }
            std::string listed;
            for (const std::string& name : names) {
                listed += (listed.empty() ? "" : ", ") + name;
            }
            return "the server's certificate names " + (listed.empty() ? "no host" : listed) +
                   ", not " + endpoint.host + " / サーバー証明書のホスト名が一致しません";
        }
        if (failure.find("certificate verify failed") != std::string::npos) {
            return "the server's certificate (issued by " + certificate->issuerName() +
                   ") is not signed by a CA in ca_file or the system's store / "
                   "サーバー証明書の発行者を信頼できません";
        }
    } catch (const std::exception&) {
        // Poco::Exception is a std::exception: the first message stands.
    }
    return "";
}

/// `text` with CRLF line ends, as 7bit and 8bit MIME content must be written (Poco's mail
/// stream dot-stuffs only lines that follow a CRLF).
std::string crlfLines(const std::string& text) {
    std::string out;
    out.reserve(text.size() + text.size() / 32);
    for (char ch : text) {
        if (ch == '\n') {
            out += "\r\n";
        } else if (ch != '\r') {
            out += ch;
        }
    }
    return out;
}

void fillMessage(Poco::Net::MailMessage& mail, const NotifierConfig& config, MailCharset charset,
                 const OutMessage& message) {
    mail.setSender(mailboxHeader(config.from, charset));
    // The To header as written (the envelope's RCPT TO is sent apart, see send()): Poco's own
    // recipient list would put a display name inside the angle brackets or leave it unencoded.
    mail.set("To", mailboxHeader(message.recipient, charset));
    mail.setSubject(encodeHeaderText(oneLine(message.subject), charset));
    mail.setDate(Poco::Timestamp());
    if (!message.idempotencyKey.empty()) {
        mail.set("Message-ID", "<" + oneLine(message.idempotencyKey) + "@vulnwatch>");
    }
    if (!message.thread.empty()) {
        // An update continues the thread of the first message about the same match.
        const std::string first = "<" + oneLine(message.thread) + "@vulnwatch>";
        mail.set("In-Reply-To", first);
        mail.set("References", first);
    }
    if (!config.listId.empty()) {
        mail.set("List-Id", "<" + oneLine(config.listId) + ">");
    }
    mail.set("MIME-Version", "1.0");
    mail.set("Auto-Submitted", "auto-generated");

    // The text: UTF-8 in base64, or ISO-2022-JP as it is (7-bit by construction).
    const bool jis = charset == MailCharset::Iso2022Jp;
    const std::string textType = "text/plain; charset=" + std::string(mimeCharsetName(charset));
    std::string text = jis ? crlfLines(toIso2022Jp(message.text)) : message.text;
    const auto textEncoding =
        jis ? Poco::Net::MailMessage::ENCODING_7BIT : Poco::Net::MailMessage::ENCODING_BASE64;
    if (message.html.empty()) {
        mail.setContentType(textType);
        mail.setContent(text, textEncoding);
        return;
    }
    // Text first, HTML last: a client shows the last alternative it can.
    mail.setContentType("multipart/alternative");
    mail.addContent(new Poco::Net::StringPartSource(text, textType), textEncoding);
    mail.addContent(new Poco::Net::StringPartSource(message.html, "text/html; charset=UTF-8"),
                    Poco::Net::MailMessage::ENCODING_BASE64);
}

} // namespace

std::optional<SmtpEndpoint> parseSmtpUrl(const std::string& url) {
    SmtpEndpoint endpoint;
    std::string rest;
    const std::string lower = lowered(url);
    if (lower.rfind("smtp://", 0) == 0) {
        rest = url.substr(7);
        endpoint.port = 25;
    } else if (lower.rfind("smtps://", 0) == 0) {
        rest = url.substr(8);
        endpoint.implicitTls = true;
        endpoint.port = 465;
    } else {
        return std::nullopt;
    }
    if (!rest.empty() && rest.back() == '/') {
        rest.pop_back();
    }
    if (rest.find_first_of("/?#@ \t") != std::string::npos) {
        return std::nullopt;
    }
    std::string portText;
    if (!rest.empty() && rest.front() == '[') {
        const auto close = rest.find(']');
        if (close == std::string::npos) {
            return std::nullopt;
        }
        endpoint.host = rest.substr(1, close - 1);
        const std::string after = rest.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') {
                return std::nullopt;
            }
            portText = after.substr(1);
            if (portText.empty()) {
                return std::nullopt;
            }
        }
    } else {
        const auto colon = rest.find(':');
        if (colon != std::string::npos) {
            if (rest.find(':', colon + 1) != std::string::npos) {
                return std::nullopt;
            }
            portText = rest.substr(colon + 1);
            if (portText.empty()) {
                return std::nullopt;
            }
        }
        endpoint.host = rest.substr(0, colon);
    }
    if (endpoint.host.empty()) {
        return std::nullopt;
    }
    if (!portText.empty()) {
        if (portText.size() > 5 || !std::all_of(portText.begin(), portText.end(), [](char ch) {
                return std::isdigit(static_cast<unsigned char>(ch));
            })) {
            return std::nullopt;
        }
        const int port = std::stoi(portText);
        if (port < 1 || port > 65535) {
            return std::nullopt;
        }
        endpoint.port = static_cast<std::uint16_t>(port);
    }
    return endpoint;
}

std::string encodeHeaderText(const std::string& text) {
    return encodeHeaderText(text, MailCharset::Utf8);
}

EmailNotifier::EmailNotifier(NotifierConfig config) : config_(std::move(config)) {
    auto endpoint = parseSmtpUrl(config_.smtp);
    if (!endpoint) {
        throw std::invalid_argument("notifier " + config_.name +
                                    ": smtp must be smtp://host[:port] "
                                    "or smtps://host[:port], got \"" +
                                    redactSecrets(config_.smtp) + "\"");
    }
    if (config_.starttls != "auto" && config_.starttls != "required" && config_.starttls != "off") {
        throw std::invalid_argument("notifier " + config_.name +
                                    ": starttls must be auto, required or off");
    }
    const auto charset = parseMailCharset(config_.charset);
    if (!charset) {
        throw std::invalid_argument("notifier " + config_.name +
                                    ": charset must be utf-8 or iso-2022-jp, got \"" +
                                    config_.charset + "\"");
    }
    charset_ = *charset;
    endpoint_ = std::move(*endpoint);
}

DeliveryResult EmailNotifier::deliver(const OutMessage& message) {
    try {
        return send(message);
    } catch (const Poco::Net::SMTPException& e) {
        const int status = e.code();
        // 530 / 534 / 535 / 538: the server refused our login, not the message.
        if (status == 530 || status == 534 || status == 535 || status == 538) {
            DeliveryResult result = outcome(Kind::Retry, e.displayText());
            result.configuration = true;
            return result;
        }
        const Kind kind = (status >= 500 && status < 600) ? Kind::Failed : Kind::Retry;
        return outcome(kind, e.displayText());
    } catch (const Poco::Net::SSLException& e) {
        const std::string why = certificateProblem(
            endpoint_, heloName(), Poco::Timespan(static_cast<long>(config_.timeout.count()), 0),
            e.displayText());
        return outcome(Kind::Retry,
                       "TLS failure: " + e.displayText() + (why.empty() ? "" : ": " + why));
    } catch (const Poco::TimeoutException& e) {
        return outcome(Kind::Retry, "timeout: " + e.displayText());
    } catch (const Poco::Exception& e) {
        return outcome(Kind::Retry, e.displayText());
    } catch (const std::exception& e) {
        return outcome(Kind::Retry, e.what());
    }
}

DeliveryResult EmailNotifier::send(const OutMessage& message) {
    const std::string recipient = bareAddress(oneLine(message.recipient));
    if (recipient.empty()) {
        return outcome(Kind::Failed, "message has no recipient");
    }
    const std::string sender = bareAddress(oneLine(config_.from));
    if (sender.empty()) {
        return outcome(Kind::Failed, "notifier " + config_.name + " has no from address");
    }
    Poco::Net::MailMessage mail;
    fillMessage(mail, config_, charset_, message);

    const Poco::Timespan timeout(static_cast<long>(config_.timeout.count()), 0);
    Poco::Net::Context::Ptr context = tlsContext(config_.caFile);

    Poco::Net::StreamSocket socket;
    socket.connect(Poco::Net::SocketAddress(endpoint_.host, endpoint_.port), timeout);
    socket.setReceiveTimeout(timeout);
    socket.setSendTimeout(timeout);
    bool secure = false;
    if (endpoint_.implicitTls) {
        socket = Poco::Net::SecureStreamSocket::attach(socket, endpoint_.host, context);
        secure = true;
    }

    SmtpSession session(socket);
    session.setTimeout(timeout);
    session.open();
    QuitGuard quit(session);

    const std::string helo = heloName();
    Capabilities caps = parseEhlo(session.hello(helo));

    if (!secure && config_.starttls != "off") {
        if (caps.starttls) {
            std::string reply;
            const int status = session.sendCommand("STARTTLS", reply);
            if (status < 200 || status >= 300) {
                return fromStatus(status, "STARTTLS", reply);
            }
            session.upgradeToTls(endpoint_.host, context);
            session.setTimeout(timeout);
            secure = true;
            caps = parseEhlo(session.hello(helo));
        } else if (config_.starttls == "required") {
            return outcome(Kind::Retry, "TLS failure: the server does not offer STARTTLS "
                                        "(starttls = required)");
        }
    }

    if (!config_.user.empty()) {
        if (!secure && config_.starttls != "off") {
            return outcome(Kind::Retry, "TLS failure: no TLS session; credentials are not sent "
                                        "in clear text unless starttls = off");
        }
        if (caps.authPlain || !caps.authLogin) {
            session.authPlain(config_.user, config_.password.value);
        } else {
            session.authLogin(config_.user, config_.password.value);
        }
    }

    std::string reply;
    int status = session.sendCommand("MAIL FROM:<" + sender + ">", reply);
    if (status < 200 || status >= 300) {
        return fromStatus(status, "MAIL FROM:<" + sender + ">", reply);
    }
    status = session.sendCommand("RCPT TO:<" + recipient + ">", reply);
    if (status < 200 || status >= 300) {
        return fromStatus(status, "RCPT TO:<" + recipient + ">", reply);
    }
    status = session.sendCommand("DATA", reply);
    if (status < 300 || status >= 400) {
        return fromStatus(status, "DATA", reply);
    }
    std::string written;
    status = session.transmit(mail, reply, written);
    if (status < 200 || status >= 300) {
        return fromStatus(status, "message data", reply);
    }
    DeliveryResult delivered = outcome(Kind::Delivered, lastLine(reply));
    delivered.sent = std::move(written);
    delivered.sentMediaType = "message/rfc822";
    return delivered;
}

} // namespace vw
