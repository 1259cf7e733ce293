// Mailing-list mail (IPA, JPCERT/CC): one RFC 5322 message in, one advisory record out. Pure
// apart from signature checking, which goes through the optional verifier.
#pragma once

#include "feeds/parse/parse_error.h"
#include "feeds/source.h"

#include <functional>
#include <string>
#include <string_view>

namespace vw {

/// The outcome of checking an OpenPGP signature (clearsigned text or PGP/MIME).
struct SignatureCheck {
    std::string status = "unsigned"; // valid | invalid | unsigned | unknown-key
    std::string signer;              // key id / fingerprint / user id when known
    std::string signedText;          // the verified text, armor removed, dash-escaping undone
};

/// Verifies a clearsigned block (`-----BEGIN PGP SIGNED MESSAGE-----` …) or, when
/// `detachedSignature` is not empty, `data` against that detached signature (PGP/MIME).
using SignatureVerifier =
    std::function<SignatureCheck(std::string_view data, std::string_view detachedSignature)>;

struct MailOptions {
    std::string list;           // the record's `list` (mailing-list label), e.g. the source name
    SignatureVerifier verifier; // empty: signatures are not checked (status "unknown-key")
};

/// Parses one message: MIME (multipart alternative/mixed/signed, quoted-printable, base64),
/// charsets (ISO-2022-JP, Shift_JIS/CP932, EUC-JP, UTF-8) in bodies and RFC 2047 headers,
/// HTML-only mail as text; the subject is the title, the clean text the summary, every
/// identifier the text names the aliases. Broken parts (unknown charset, truncated base64) give
/// a best-effort record plus ItemProblems; throws ParseError only when nothing usable is left.
ParseResult parseMail(std::string_view raw, const MailOptions& options);

} // namespace vw
