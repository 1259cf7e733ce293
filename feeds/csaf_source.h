// The CSAF source (`type = csaf`, docs/configuration.md): CSAF 2.0 advisories (CISA's ICS Medical
// Advisories and any other CSAF provider) from
// - a provider's `provider-metadata.json` (its ROLIE feeds, or its `directory_url`'s
//   `changes.csv` when it lists no feed),
// - a ROLIE feed (`…feed….json`), a `changes.csv` or a directory URL ending in `/` directly, or
// - a local directory tree of `.json` files (`path =`).
// Each document's checksum (`.sha512`, else `.sha256`) is checked before it is parsed; a
// mismatch refuses the document (logged with the file and both hashes, nothing of it stored).
// With a keyring, its detached OpenPGP signature (`.asc`) must be good and made by a key in the
// keyring. The cursor remembers each document's `updated` time (ROLIE), changes.csv time or
// file time and size, so a poll fetches only new and changed documents.
#pragma once

#include "core/http.h"
#include "feeds/parse/mail.h"
#include "feeds/source.h"

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace vw {

struct CsafSourceOptions {
    std::string url;  // provider-metadata.json, a ROLIE feed, changes.csv or a directory URL
    std::string path; // or: a local directory (url empty)
    long timeoutMs = 60000;
    std::size_t maxBytes = 128u * 1024u * 1024u; // per response (feed, document, hash)
    std::string caFile;
    ProxySettings proxy;
    /// Checks `.asc` signatures when set (makeGpgmeVerifier over the source's keyring); empty:
    /// signatures are not checked.
    SignatureVerifier verifier;
    /// New documents read per poll at most; the rest come with the next polls.
    std::size_t maxDocumentsPerPoll = 500;
    /// Where refusals go ("error", "warning", "info" and the message); may be empty.
    std::function<void(std::string_view level, const std::string& message)> log;
};

class CsafSource : public Source {
public:
    /// `http` must outlive the source.
    CsafSource(std::string name, CsafSourceOptions options, HttpClient& http);

    const std::string& name() const override { return name_; }

    /// Lists the documents, reads those new or changed since `state.cursor`, verifies and parses
    /// them. Records (with the refused and unreadable documents as ItemProblems) when anything
    /// new was read or refused, NotModified when nothing is new (or the feed answered 304), Error
    /// when the listing cannot be read or every new document was refused.
    PollOutcome poll(const SourceState& state) override;

    struct Entry; // one listed document (csaf_source.cpp)

private:
    PollOutcome pollEntries(const SourceState& state, std::vector<Entry> entries, std::string mode,
                            SourceState next);
    std::vector<Entry> listDirectory() const;
    HttpResponse get(const std::string& url) const;

    std::string name_;
    CsafSourceOptions options_;
    HttpClient& http_;
};

} // namespace vw
