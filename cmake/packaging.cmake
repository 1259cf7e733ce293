# The Debian package (issue 15 part 1): `cmake --build BUILD --target package` writes
# BUILD/vulnwatch_<version>_<arch>.deb with CPack's DEB generator; scripts/build-deb.sh does it
# in a Release build of its own. What goes in it and why: docs/operations.md "Install".
#
# Layout (Debian 12): /usr/bin/vulnwatch; the units under /lib/systemd/system (Debian 12's
# systemd and lintian still expect them there); sysusers.d and tmpfiles.d under /usr/lib; the
# annotated configuration as the conffile /etc/vulnwatch/vulnwatch.conf; man pages generated at
# build time from `vulnwatch --help` and docs/configuration.md (packaging/mkman.py); the
# copyright file, changelog.Debian.gz and the operator documentation under
# /usr/share/doc/vulnwatch. Depends: dpkg-shlibdeps' reading of the binary, plus systemd.

set(VW_PKG_DIR ${PROJECT_SOURCE_DIR}/packaging)
set(VW_PKG_OUT ${PROJECT_BINARY_DIR}/packaging)
find_package(Python3 REQUIRED COMPONENTS Interpreter)

# --- generated at build time: man pages, changelog, maintainer scripts ------------------------
set(VW_MAN8 ${VW_PKG_OUT}/vulnwatch.8.gz)
set(VW_MAN5 ${VW_PKG_OUT}/vulnwatch.conf.5.gz)
set(VW_CHANGELOG ${VW_PKG_OUT}/changelog.Debian.gz)
add_custom_command(
    OUTPUT ${VW_MAN8} ${VW_MAN5}
    COMMAND ${Python3_EXECUTABLE} ${VW_PKG_DIR}/mkman.py --binary $<TARGET_FILE:vulnwatch>
            --config-doc ${PROJECT_SOURCE_DIR}/docs/configuration.md --version ${PROJECT_VERSION}
            --out-dir ${VW_PKG_OUT} --gzip
    DEPENDS vulnwatch ${VW_PKG_DIR}/mkman.py ${PROJECT_SOURCE_DIR}/docs/configuration.md
    COMMENT "Man pages vulnwatch(8) and vulnwatch.conf(5) from --help and docs/configuration.md"
    VERBATIM)
# gzip -n: no name or time stamp in the file, so the same input gives the same bytes.
add_custom_command(
    OUTPUT ${VW_CHANGELOG}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${VW_PKG_OUT}
    COMMAND sh -c "gzip -9n < \"$1\" > \"$2\"" sh ${VW_PKG_DIR}/changelog.Debian ${VW_CHANGELOG}
    DEPENDS ${VW_PKG_DIR}/changelog.Debian
    VERBATIM)
add_custom_target(vulnwatch_package_files ALL DEPENDS ${VW_MAN8} ${VW_MAN5} ${VW_CHANGELOG})

# Maintainer scripts: dpkg wants them executable; configure_file keeps the source's mode.
foreach(script postinst prerm postrm)
    configure_file(${VW_PKG_DIR}/${script} ${VW_PKG_OUT}/control/${script} COPYONLY)
endforeach()
# conffiles: CPack would list every file under /etc itself, but only when it is told to; an
# explicit list names exactly the one the administrator edits.
file(WRITE ${VW_PKG_OUT}/control/conffiles "/etc/vulnwatch/vulnwatch.conf\n")

# --- install rules (the package's data; `cmake --install` for a hand install too) ------------
set(VW_DOC share/doc/vulnwatch)
install(FILES ${PROJECT_SOURCE_DIR}/systemd/vulnwatch.service
              ${PROJECT_SOURCE_DIR}/systemd/vulnwatch-web.service
              ${PROJECT_SOURCE_DIR}/systemd/vulnwatch-backup.service
              ${PROJECT_SOURCE_DIR}/systemd/vulnwatch-backup.timer
        DESTINATION /lib/systemd/system PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${PROJECT_SOURCE_DIR}/systemd/vulnwatch.sysusers DESTINATION lib/sysusers.d
        RENAME vulnwatch.conf PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${PROJECT_SOURCE_DIR}/systemd/vulnwatch.tmpfiles DESTINATION lib/tmpfiles.d
        RENAME vulnwatch.conf PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
# 0644 root:root in the package (it holds no secret as shipped); the postinst gives it to
# root:vulnwatch 0640 once the group exists.
install(FILES ${PROJECT_SOURCE_DIR}/config/vulnwatch.conf.example DESTINATION /etc/vulnwatch
        RENAME vulnwatch.conf PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${VW_MAN8} DESTINATION share/man/man8
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${VW_MAN5} DESTINATION share/man/man5
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${VW_PKG_DIR}/copyright ${VW_CHANGELOG} ${PROJECT_SOURCE_DIR}/README.md
        DESTINATION ${VW_DOC} PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${PROJECT_SOURCE_DIR}/docs/operations.md ${PROJECT_SOURCE_DIR}/docs/configuration.md
              ${PROJECT_SOURCE_DIR}/docs/web.md ${PROJECT_SOURCE_DIR}/docs/cases.md
              ${PROJECT_SOURCE_DIR}/docs/audit.md
        DESTINATION ${VW_DOC}/docs PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

install(FILES ${VW_PKG_DIR}/lintian-overrides DESTINATION share/lintian/overrides RENAME vulnwatch
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# --- CPack --------------------------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME vulnwatch)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "vulnwatch maintainers <vulnwatch@example.co.jp>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "vulnerability advisory monitor for Japanese sources (JVN, JPCERT/CC)")
set(CPACK_PACKAGE_DESCRIPTION
    "vulnwatch collects vulnerability advisories from JVN iPedia, MyJVN and the\n\
IPA and JPCERT/CC mailing lists, correlates them into one cluster per\n\
vulnerability, matches them against a manufacturer's registered products\n\
and their components, and notifies the product owners by e-mail and chat\n\
webhooks, with an audit trail of what arrived when.\n\
.\n\
This package ships the daemon (vulnwatch.service), the web page and REST\n\
API (vulnwatch-web.service) and a nightly backup timer.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://vulnwatch.example.co.jp/")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# systemd: systemd-sysusers and systemd-tmpfiles in the postinst, and the units.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${VW_PKG_OUT}/control/postinst ${VW_PKG_OUT}/control/prerm ${VW_PKG_OUT}/control/postrm
    ${VW_PKG_OUT}/control/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# A RelWithDebInfo build dir carries 100 MB of debug info: the package gets the stripped binary.
set(CPACK_STRIP_FILES ON)
set(CPACK_SET_DESTDIR OFF)
set(CPACK_WARN_ON_ABSOLUTE_INSTALL_DESTINATION OFF)
include(CPack)
