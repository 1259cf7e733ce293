// The CISA KEV source (`type = kev`): CISA's Known Exploited Vulnerabilities catalog, one JSON
// document fetched with a conditional GET and parsed by parseKevCatalog. Its entries are not
// advisory records: the daemon stores them in the `kev` table (daemon/kev.h ingestKev).
#pragma once

#include "core/http.h"
#include "feeds/source.h"

#include <cstddef>
#include <string>

namespace vw {

class KevSource : public Source {
public:
    /// `http` must outlive the source. `timeoutMs` bounds the whole transfer, `maxBytes` the
    /// response body; `caFile` is an extra CA bundle ("" for the system store only), `proxy` how to
    /// reach the server.
    KevSource(std::string name, std::string url, HttpClient& http, long timeoutMs,
              std::size_t maxBytes, std::string caFile, ProxySettings proxy = {});

    const std::string& name() const override { return name_; }
    const std::string& url() const { return url_; }

    /// Sends If-None-Match / If-Modified-Since from `state`. 304 gives NotModified with `state`
    /// unchanged; a 2xx body is parsed (Records with ParseResult::kev set, the body kept as the
    /// raw document, the response's ETag and Last-Modified in the new state); a transport
    /// failure, any other status or a document that is not the catalog gives Error with a
    /// message naming the URL and the cause, and `state` unchanged.
    PollOutcome poll(const SourceState& state) override;

private:
    std::string name_;
    std::string url_;
    HttpClient& http_;
    long timeoutMs_;
    std::size_t maxBytes_;
    std::string caFile_;
    ProxySettings proxy_;
};

} // namespace vw
