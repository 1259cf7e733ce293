// A rendered notification as the outbox keeps it.
#pragma once

#include <string>

namespace vw {

/// A message as stored in the outbox; rendered when the match is enqueued.
struct OutMessage {
    long long id = 0;           // outbox row id
    std::string notifier;       // config name of the notifier ("mail", "chat")
    std::string recipient;      // e-mail address; empty for webhooks
    std::string subject;        // UTF-8
    std::string text;           // UTF-8 plain text body
    std::string html;           // UTF-8 HTML alternative of `text` for e-mail ("" for none)
    std::string payload;        // JSON document for webhooks
    std::string idempotencyKey; // stable across retries: receivers drop repeats
    std::string thread;         // the idempotency key of the message this one follows up ("")
};

} // namespace vw
