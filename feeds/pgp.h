// OpenPGP signature checking for mailing-list mail, through GPGME and a configured keyring.
#pragma once

#include "feeds/parse/mail.h"

#include <string>

namespace vw {

/// A verifier that checks clearsigned text and PGP/MIME detached signatures against the
/// public keys in the GnuPG home folder `gnupgHome` (the admin's keyring of trusted list
/// keys; any key in it counts as trusted). Results: a good signature → "valid" (signer = the
/// fingerprint, signedText = the text GPGME returns for clearsigned input), a key not in the
/// keyring → "unknown-key", anything else (bad, expired or revoked, unreadable) → "invalid".
/// Each call uses its own GPGME context, so the verifier may be called from several threads.
SignatureVerifier makeGpgmeVerifier(const std::string& gnupgHome);

} // namespace vw
