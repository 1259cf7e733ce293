// The JVN iPedia RSS source: one feed URL (jvndb_new.rdf, jvndb.rdf, a yearly feed or a MyJVN
// overview query) fetched with a conditional GET and parsed by parseJvnRss.
#pragma once

#include "core/http.h"
#include "feeds/source.h"

#include <cstddef>
#include <string>

namespace vw {

class JvnRssSource : public Source {
public:
    /// `http` must outlive the source. `timeoutMs` bounds the whole transfer, `maxBytes` the
    /// response body; `caFile` is an extra CA bundle ("" for the system store only), `proxy` how to
    /// reach the server.
    JvnRssSource(std::string name, std::string url, HttpClient& http, long timeoutMs,
                 std::size_t maxBytes, std::string caFile, ProxySettings proxy = {});

    const std::string& name() const override { return name_; }
    const std::string& url() const { return url_; }

    /// Sends If-None-Match / If-Modified-Since from `state`. 304 gives NotModified with `state`
    /// unchanged; a 2xx body is parsed (Records, with the response's ETag and Last-Modified in
    /// the new state); a transport failure, any other status or an unreadable document gives
    /// Error with a message naming the URL and the cause, and `state` unchanged.
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
