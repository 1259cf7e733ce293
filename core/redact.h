// Redaction of credentials in free text (issue 11 part 7): everything a server answered, every
// transport error and every URL passes through redactSecrets() before it is logged, stored
// (outbox.last_reply, delivery.reply, event_log) or printed (`notify test`, `deliveries list`).
// Pure: no I/O. docs/operations.md ("What is redacted") lists the forms for admins.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vw {

/// What a secret is replaced with.
inline constexpr std::string_view kRedacted = "<redacted>";

/// `text` with every credential form below replaced by kRedacted; all else unchanged.
/// - URL userinfo: `scheme://user:pass@host` → `scheme://<redacted>@host`.
/// - Secret URL paths of webhook services: after `/hooks/`, `/webhooks/` and `/webhookb2/`
///   (Mattermost, Discord, Teams connectors, generic receivers), and after the first segment on
///   `hooks.slack.com` (`/services/<redacted>`).
/// - Parameters `NAME=VALUE` (query strings, form bodies, free text) for NAME access_token,
///   api_key, apikey, api-key, auth, auth_token, client_secret, id_token, pass, passwd,
///   password, pwd, refresh_token, secret, token; and in a query string (after `?` or `&`)
///   also key, sig, signature (Teams Workflows URLs sign with `sig=`).
/// - JSON members `"NAME": "VALUE"` for the names above and authorization, x-chatworktoken.
/// - `Name: value` for the headers Authorization, Proxy-Authorization, X-ChatWorkToken,
///   X-Api-Key, Cookie, Set-Cookie and for password, passwd, token, secret, api-key (the value
///   to the end of the line).
/// - `Bearer TOKEN`, Slack tokens (`xoxb-…`, `xoxp-…`, `xapp-…` and the other xox kinds) and
///   Standard Webhooks secrets (`whsec_…`).
std::string redactSecrets(std::string_view text);

/// As above, then every occurrence of each of `literals` (the secrets the caller
/// knows, e.g. a configured token or URL; those shorter than 4 bytes are ignored: they would
/// blank ordinary words) by kRedacted.
std::string redactSecrets(std::string_view text, const std::vector<std::string>& literals);

/// The secrets a URL carries by itself, to pass as `literals` above: its userinfo as written
/// and, when it holds a ':', the password part; the secret path of a webhook service URL; the
/// values of its secret query parameters; each also percent-decoded when that differs (a
/// receiver may echo the decoded form).
std::vector<std::string> urlCredentials(std::string_view url);

} // namespace vw
