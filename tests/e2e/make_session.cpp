// make_session DB USER [HOURS]: opens a login session for USER as the login page would
// (store/users.h createSession) and prints "TOKEN CSRF" (tests/e2e/test_web_api.py).
#include "store/store.h"
#include "store/users.h"

#include <ctime>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
    if (argc < 3 || argc > 4) {
        std::cerr << "usage: make_session DB USER [HOURS]\n";
        return 2;
    }
    try {
        auto store = vw::Store::open(argv[1]);
        const long hours = argc == 4 ? std::stol(argv[3]) : 1;
        const auto session =
            vw::createSession(*store, argv[2], static_cast<std::int64_t>(std::time(nullptr)),
                              static_cast<std::int64_t>(hours) * 3600);
        std::cout << session.token << " " << session.csrf << "\n";
    } catch (const std::exception& e) {
        std::cerr << "make_session: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
