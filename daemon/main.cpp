// vulnwatch: one binary, thin main; everything else lives in the libraries.
#include "daemon/cli.h"

#include <iostream>

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    return vw::runCli(args, std::cout, std::cerr);
}
