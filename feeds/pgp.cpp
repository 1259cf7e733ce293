#include "feeds/pgp.h"

#include <gpgme.h>
#include <memory>
#include <mutex>
#include <string_view>
#include <utility>

namespace vw {

namespace {

struct ContextCloser {
    void operator()(gpgme_ctx_t context) const { gpgme_release(context); }
};
using Context = std::unique_ptr<std::remove_pointer_t<gpgme_ctx_t>, ContextCloser>;

struct DataCloser {
    void operator()(gpgme_data_t data) const { gpgme_data_release(data); }
};
using Data = std::unique_ptr<std::remove_pointer_t<gpgme_data_t>, DataCloser>;

void initializeGpgme() {
    static std::once_flag once;
    std::call_once(once, [] {
        gpgme_check_version(nullptr);
        gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP);
    });
}

SignatureCheck invalid(std::string why) {
    SignatureCheck check;
    check.status = "invalid";
    check.signer = std::move(why);
    return check;
}

Data dataFrom(std::string_view bytes) {
    gpgme_data_t data = nullptr;
    // copy = 1: GPGME keeps its own copy, independent of the caller's buffer.
    if (gpgme_data_new_from_mem(&data, bytes.data(), bytes.size(), 1) != 0) {
        return nullptr;
    }
    return Data(data);
}

Data emptyData() {
    gpgme_data_t data = nullptr;
    if (gpgme_data_new(&data) != 0) {
        return nullptr;
    }
    return Data(data);
}

std::string readAll(gpgme_data_t data) {
    std::string out;
    if (gpgme_data_seek(data, 0, SEEK_SET) != 0) {
        return out;
    }
    char buffer[4096];
    for (;;) {
        const auto n = gpgme_data_read(data, buffer, sizeof buffer);
        if (n <= 0) {
            break;
        }
        out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
}

SignatureCheck verify(const std::string& home, std::string_view data, std::string_view detached) {
    initializeGpgme();
    gpgme_ctx_t raw = nullptr;
    if (gpgme_new(&raw) != 0) {
        return invalid("cannot create a GPGME context");
    }
    Context context(raw);
    if (gpgme_set_protocol(context.get(), GPGME_PROTOCOL_OpenPGP) != 0 ||
        gpgme_ctx_set_engine_info(context.get(), GPGME_PROTOCOL_OpenPGP, nullptr, home.c_str()) !=
            0) {
        return invalid("cannot use the GnuPG home " + home);
    }
    gpgme_set_offline(context.get(), 1); // never fetch keys from the network
    Data plain;
    gpgme_error_t error = 0;
    if (detached.empty()) {
        Data signedText = dataFrom(data);
        plain = emptyData();
        if (!signedText || !plain) {
            return invalid("out of memory");
        }
        error = gpgme_op_verify(context.get(), signedText.get(), nullptr, plain.get());
    } else {
        Data signature = dataFrom(detached);
        Data signedText = dataFrom(data);
        if (!signature || !signedText) {
            return invalid("out of memory");
        }
        error = gpgme_op_verify(context.get(), signature.get(), signedText.get(), nullptr);
    }
    if (gpgme_err_code(error) != GPG_ERR_NO_ERROR) {
        return invalid(std::string("verification failed: ") + gpgme_strerror(error));
    }
    const gpgme_verify_result_t result = gpgme_op_verify_result(context.get());
    if (result == nullptr || result->signatures == nullptr) {
        return invalid("no signature found");
    }
    SignatureCheck check;
    check.status = "valid";
    // Every signature must be good; the worst one decides.
    for (gpgme_signature_t signature = result->signatures; signature != nullptr;
         signature = signature->next) {
        const auto code = gpgme_err_code(signature->status);
        if (signature->fpr != nullptr && check.signer.empty()) {
            check.signer = signature->fpr;
        }
        if (code == GPG_ERR_NO_PUBKEY) {
            if (check.status == "valid") {
                check.status = "unknown-key";
            }
        } else if (code != GPG_ERR_NO_ERROR || (signature->summary & GPGME_SIGSUM_RED) != 0) {
            check.status = "invalid";
        }
    }
    if (plain && check.status == "valid") {
        check.signedText = readAll(plain.get());
    }
    return check;
}

} // namespace

SignatureVerifier makeGpgmeVerifier(const std::string& gnupgHome) {
    return [gnupgHome](std::string_view data, std::string_view detachedSignature) {
        return verify(gnupgHome, data, detachedSignature);
    };
}

} // namespace vw
