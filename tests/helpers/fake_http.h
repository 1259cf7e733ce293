// A scripted in-memory HttpClient for unit tests: records every request and answers it
// without any network.
#pragma once

#include "core/http.h"

#include <deque>
#include <utility>
#include <vector>

namespace vw::test {

/// Answers each request with the front of `script` (removing it) while `script` holds
/// responses, then with `next`; keeps every request it saw, in order.
class FakeHttpClient : public vw::HttpClient {
public:
    vw::HttpResponse next;
    std::deque<vw::HttpResponse> script;
    std::vector<vw::HttpRequest> requests;

    vw::HttpResponse perform(const vw::HttpRequest& request) override {
        requests.push_back(request);
        if (script.empty()) {
            return next;
        }
        vw::HttpResponse answer = std::move(script.front());
        script.pop_front();
        return answer;
    }
};

} // namespace vw::test
