// The products pages and the SBOM upload (web/page_products.cpp, POST /api/v1/products/{name}/
// versions/{version}/sbom in web/api.cpp, web/upload.h) on plain request values and a real
// SQLite store in a temporary directory: the registry and a product's versions, components
// (paginated) and hostile names as text; the upload's preview that changes nothing, its commit
// through the shared import (audit event naming the user, the re-match asked for that version)
// and its cancel; the refusals (viewer, no CSRF token, malformed SBOM); the API's dry run and
// commit.
#include "store/audit.h"
#include "store/store.h"
#include "store/users.h"
#include "unit/store/store_test_support.h"
#include "web/api.h"
#include "web/page_routes.h"
#include "web/pages.h"
#include "web/upload.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>

using namespace vw;
using namespace vw::web;

namespace {

constexpr std::int64_t kNow = 1'790'000'000;
const std::string kPassword = "a long enough passphrase";
const std::string kHostile = "<script>alert(1)</script>";
const std::string kHostile2 = "\"><img src=x onerror=alert(1)>";
using Headers = std::vector<std::pair<std::string, std::string>>;

std::string cycloneDx(const std::vector<std::pair<std::string, std::string>>& components) {
    std::string out = R"({"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[)";
    bool first = true;
    for (const auto& [name, version] : components) {
        std::string escaped;
        for (const char c : name) {
            if (c == '"' || c == '\\') {
                escaped += '\\';
            }
            escaped += c;
        }
        out += std::string(first ? "" : ",") + R"({"type":"library","name":")" + escaped +
               R"(","version":")" + version + R"("})";
        first = false;
    }
    return out + "]}";
}

const std::string kBoundary = "----vwtestboundary7MA4YWxk";

std::string multipart(const std::vector<std::pair<std::string, std::string>>& fields,
                      const std::string& fileName, const std::string& file) {
    std::string out;
    for (const auto& [name, value] : fields) {
        out += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + name +
               "\"\r\n\r\n" + value + "\r\n";
    }
    out += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"sbom\"; filename=\"" +
           fileName + "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + file + "\r\n";
    out += "--" + kBoundary + "--\r\n";
    return out;
}

struct Site {
    test::TempDir dir;
    std::unique_ptr<Store> store = Store::open(dir.file("web.db"));
    FailedAuthLimiter limiter;
    std::unique_ptr<Pages> pages;
    std::unique_ptr<Api> api;
    std::vector<std::string> rematched; // "product|version" per re-match asked
    std::map<std::string, std::pair<std::string, std::string>> sessions; // user: (token, csrf)
    std::string uploads = dir.file("uploads");

    Site() {
        RegisteredProduct p;
        p.name = "Gateway";
        p.owners = {"psirt@example.jp"};
        p.mission = "high";
        ProductVersion v;
        v.version = "1.0";
        v.components = {Component{"", "openssl", "1.1.1k", {}, "", ""},
                        Component{"", "log4j-core", "2.14.1", {}, "", ""}};
        p.versions = {v};
        store->putProduct(p, kNow);
        RegisteredProduct hostile;
        hostile.name = kHostile;
        hostile.owners = {"x@example.jp"};
        ProductVersion hv;
        hv.version = kHostile2;
        hv.components = {Component{"", kHostile2, "1", {}, "", ""}};
        hostile.versions = {hv};
        store->putProduct(hostile, kNow);
        RegisteredProduct other;
        other.name = "Other";
        other.versions = {ProductVersion{}};
        store->putProduct(other, kNow);
        addUser(*store, "alice", UserRole::Admin, kPassword, {}, "test", kNow);
        addUser(*store, "vic", UserRole::Viewer, kPassword, {}, "test", kNow);
        addUser(*store, "tomo", UserRole::Triager, kPassword, {"Gateway"}, "test", kNow);
        addUser(*store, "tara", UserRole::Triager, kPassword, {"Other"}, "test", kNow);
        for (const char* user : {"alice", "vic", "tomo", "tara"}) {
            const auto s = createSession(*store, user, kNow, 3600);
            sessions[user] = {s.token, s.csrf};
        }
        ApiSettings api;
        api.rematch = [this](Store&, const std::string& product, const std::string& version,
                             std::int64_t) {
            rematched.push_back(product + "|" + version);
            return 0;
        };
        PageSettings settings;
        settings.api = api;
        settings.dbPath = dir.file("web.db");
        settings.uploadDir = uploads;
        pages = std::make_unique<Pages>(std::move(settings), limiter);
        this->api = std::make_unique<Api>(std::move(api), limiter);
    }

    HttpResponse call(const std::string& user, const std::string& method, const std::string& target,
                      const std::string& contentType = "", const std::string& body = "",
                      bool bodyInFile = false) {
        HttpRequest r;
        r.method = method;
        const auto q = target.find('?');
        r.path = target.substr(0, q);
        r.query = q == std::string::npos ? "" : target.substr(q + 1);
        r.headers.emplace_back("Host", "vw.example");
        if (!user.empty()) {
            r.headers.emplace_back("Cookie", "vw_session=" + sessions[user].first);
        }
        if (!contentType.empty()) {
            r.headers.emplace_back("Content-Type", contentType);
        }
        if (bodyInFile) {
            r.bodyFile = dir.file("body");
            std::ofstream(r.bodyFile, std::ios::binary) << body;
        } else {
            r.body = body;
        }
        r.clientIp = "192.0.2.1";
        auto response = pages->handle(r, *store, kNow);
        REQUIRE(response);
        return std::move(*response);
    }

    HttpResponse upload(const std::string& user, const std::string& product,
                        const std::string& version, const std::string& file,
                        const std::string& csrf) {
        return call(
            user, "POST", "/products/" + urlEncode(product) + "/sbom",
            "multipart/form-data; boundary=" + kBoundary,
            multipart({{"csrf", csrf}, {"version", version}, {"format", "auto"}}, "bom.json", file),
            true);
    }

    std::vector<std::string> componentsOf(const std::string& product, const std::string& version) {
        std::vector<std::string> out;
        for (const auto& p : store->registry()) {
            for (const auto& v : p.versions) {
                if (p.name == product && v.version == version) {
                    for (const auto& c : v.components) {
                        out.push_back(c.name + "@" + c.version);
                    }
                }
            }
        }
        std::sort(out.begin(), out.end());
        return out;
    }

    std::size_t stagedFiles() const {
        std::size_t n = 0;
        std::error_code ec;
        for (const auto& e : std::filesystem::directory_iterator(uploads + "/staged", ec)) {
            (void)e;
            ++n;
        }
        return n;
    }
};

std::string stagedToken(const std::string& html) {
    std::smatch m;
    const std::regex re("name=\"staged\" value=\"([0-9a-f]{32})\"");
    return std::regex_search(html, m, re) ? std::string(m[1]) : std::string();
}

} // namespace

TEST_CASE("the product list shows the registry with hostile names as text", "[web][pages]") {
    Site site;
    const HttpResponse r = site.call("vic", "GET", "/products");
    REQUIRE(r.status == 200);
    CHECK(r.header("Content-Security-Policy").find("default-src 'none'") != std::string::npos);
    CHECK(r.body.find("id=\"product-list\"") != std::string::npos);
    CHECK(r.body.find(">Gateway</a>") != std::string::npos);
    CHECK(r.body.find("href=\"/products/Gateway\"") != std::string::npos);
    CHECK(r.body.find("psirt@example.jp") != std::string::npos);
    CHECK(r.body.find(kHostile) == std::string::npos);
    CHECK(r.body.find("<img src=x") == std::string::npos);
    CHECK(r.body.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    // Not logged in: to the login page.
    const HttpResponse anonymous = site.call("", "GET", "/products");
    CHECK(anonymous.status == 303);
    CHECK(anonymous.header("Location") == "/login?next=%2Fproducts");
}

TEST_CASE("a product page pages through many components and refuses unknown names",
          "[web][pages]") {
    Site site;
    std::vector<Component> many;
    for (int i = 0; i < 250; ++i) {
        many.push_back(
            Component{"", "lib" + std::to_string(1000 + i), "1." + std::to_string(i), {}, "", ""});
    }
    site.store->replaceComponents("Gateway", "2.0", many, kNow);
    HttpResponse r = site.call("vic", "GET", "/products/Gateway");
    REQUIRE(r.status == 200);
    // The newest version is shown; 100 components a page.
    CHECK(r.body.find("lib1000") != std::string::npos);
    CHECK(r.body.find("lib1099") != std::string::npos);
    CHECK(r.body.find("lib1100") == std::string::npos);
    CHECK(r.body.find("id=\"components-next\" href=\"/products/Gateway?version=2.0&amp;cpage=2") !=
          std::string::npos);
    CHECK(r.body.find("id=\"sbom-upload\"") == std::string::npos); // a viewer: no form
    r = site.call("vic", "GET", "/products/Gateway?version=2.0&cpage=3");
    REQUIRE(r.status == 200);
    CHECK(r.body.find("lib1249") != std::string::npos);
    CHECK(r.body.find("lib1199") == std::string::npos);
    CHECK(r.body.find("id=\"components-prev\"") != std::string::npos);
    CHECK(r.body.find("id=\"components-next\"") == std::string::npos);
    r = site.call("vic", "GET", "/products/Gateway?version=1.0");
    CHECK(r.body.find("openssl") != std::string::npos);
    CHECK(r.body.find("lib1000") == std::string::npos);
    CHECK(site.call("vic", "GET", "/products/Gateway?version=9.9").status == 404);
    CHECK(site.call("vic", "GET", "/products/Nothing").status == 404);
    // A hostile product, version and component name: text.
    r = site.call("vic", "GET", "/products/" + urlEncode(kHostile));
    REQUIRE(r.status == 200);
    CHECK(r.body.find(kHostile) == std::string::npos);
    CHECK(r.body.find("<img src=x") == std::string::npos);
    CHECK(r.body.find("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;") != std::string::npos);
    // A triager of the product sees the upload form.
    r = site.call("tomo", "GET", "/products/Gateway");
    CHECK(r.body.find("id=\"sbom-upload\"") != std::string::npos);
    CHECK(r.body.find("enctype=\"multipart/form-data\"") != std::string::npos);
}

TEST_CASE("an SBOM upload shows the difference and changes nothing until it is committed",
          "[web][pages][sbom]") {
    Site site;
    const std::string sbom =
        cycloneDx({{"log4j-core", "2.17.1"}, {kHostile, "6.6.6"}, {"zlib", "1.3"}});
    HttpResponse r = site.upload("tomo", "Gateway", "1.0", sbom, site.sessions["tomo"].second);
    REQUIRE(r.status == 200);
    INFO(r.body.substr(0, 2000));
    CHECK(r.body.find("id=\"sbom-added\"") != std::string::npos);
    CHECK(r.body.find("id=\"sbom-removed\"") != std::string::npos);
    CHECK(r.body.find("id=\"sbom-changed\"") != std::string::npos);
    CHECK(r.body.find("zlib") != std::string::npos);
    CHECK(r.body.find("openssl") != std::string::npos);
    CHECK(r.body.find("2.14.1 → 2.17.1") != std::string::npos);
    CHECK(r.body.find(kHostile) == std::string::npos);
    CHECK(r.body.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    CHECK(r.body.find("id=\"sbom-commit\"") != std::string::npos);
    // Nothing changed yet; the document is staged.
    CHECK(site.componentsOf("Gateway", "1.0") ==
          std::vector<std::string>{"log4j-core@2.14.1", "openssl@1.1.1k"});
    CHECK(site.stagedFiles() == 2);
    const std::string token = stagedToken(r.body);
    REQUIRE(!token.empty());
    const std::string& csrf = site.sessions["tomo"].second;
    const std::string form = "application/x-www-form-urlencoded";
    // Someone else cannot commit it.
    CHECK(site.call("alice", "POST", "/products/Gateway/sbom/commit", form,
                    "csrf=" + site.sessions["alice"].second + "&staged=" + token)
              .status == 409);
    r = site.call("tomo", "POST", "/products/Gateway/sbom/commit", form,
                  "csrf=" + csrf + "&staged=" + token);
    CHECK(r.status == 303);
    CHECK(r.header("Location") == "/products/Gateway?version=1.0&imported=1");
    CHECK(site.componentsOf("Gateway", "1.0") ==
          std::vector<std::string>{kHostile + "@6.6.6", "log4j-core@2.17.1", "zlib@1.3"});
    CHECK(site.rematched == std::vector<std::string>{"Gateway|1.0"});
    CHECK(site.stagedFiles() == 0);
    bool audited = false;
    forEachAuditEvent(*site.store, 0, 0, [&](const AuditRow& row) {
        if (row.kind == "product" && row.text.find("imported SBOM bom.json") == 0) {
            audited = row.json.find("\"actor\":\"tomo\"") != std::string::npos &&
                      row.text.find("2 added, 1 removed, 1 changed") != std::string::npos;
        }
    });
    CHECK(audited);
    // The same token again: gone.
    CHECK(site.call("tomo", "POST", "/products/Gateway/sbom/commit", form,
                    "csrf=" + csrf + "&staged=" + token)
              .status == 409);
    // A new version is compared with the newest registered one.
    r = site.upload("alice", "Gateway", "1.1", sbom, site.sessions["alice"].second);
    REQUIRE(r.status == 200);
    CHECK(r.body.find("1.0") != std::string::npos);
    CHECK(r.body.find("id=\"sbom-added\"") == std::string::npos); // the same components
}

TEST_CASE("cancelling an upload deletes the staged file and changes nothing",
          "[web][pages][sbom]") {
    Site site;
    const std::string& csrf = site.sessions["tomo"].second;
    HttpResponse r = site.upload("tomo", "Gateway", "1.0", cycloneDx({{"zlib", "1.3"}}), csrf);
    REQUIRE(r.status == 200);
    const std::string token = stagedToken(r.body);
    CHECK(site.stagedFiles() == 2);
    r = site.call("tomo", "POST", "/products/Gateway/sbom/cancel",
                  "application/x-www-form-urlencoded", "csrf=" + csrf + "&staged=" + token);
    CHECK(r.status == 303);
    CHECK(r.header("Location") == "/products/Gateway?cancelled=1");
    CHECK(site.stagedFiles() == 0);
    CHECK(site.componentsOf("Gateway", "1.0") ==
          std::vector<std::string>{"log4j-core@2.14.1", "openssl@1.1.1k"});
    CHECK(site.rematched.empty());
}

TEST_CASE("uploads are refused to viewers other triagers and posts without the token",
          "[web][pages][sbom]") {
    Site site;
    const std::string sbom = cycloneDx({{"zlib", "1.3"}});
    CHECK(site.upload("vic", "Gateway", "1.0", sbom, site.sessions["vic"].second).status == 403);
    CHECK(site.upload("tara", "Gateway", "1.0", sbom, site.sessions["tara"].second).status == 403);
    // The router does not check a multipart form's token; the page does.
    CHECK(site.upload("tomo", "Gateway", "1.0", sbom, "").status == 403);
    CHECK(site.upload("tomo", "Gateway", "1.0", sbom, "wrong").status == 403);
    CHECK(site.stagedFiles() == 0);
    // A form post to commit without the token: the router refuses it.
    CHECK(site.call("tomo", "POST", "/products/Gateway/sbom/commit",
                    "application/x-www-form-urlencoded", "staged=00")
              .status == 403);
    CHECK(site.componentsOf("Gateway", "1.0") ==
          std::vector<std::string>{"log4j-core@2.14.1", "openssl@1.1.1k"});
}

TEST_CASE("a malformed SBOM is a clear error and changes nothing", "[web][pages][sbom]") {
    Site site;
    const std::string& csrf = site.sessions["tomo"].second;
    HttpResponse r = site.upload("tomo", "Gateway", "1.0", "{\"bomFormat\": \"CycloneDX\", ", csrf);
    CHECK(r.status == 422);
    CHECK(r.body.find("SBOM を読めません") != std::string::npos);
    r = site.upload("tomo", "Gateway", "1.0", "", csrf);
    CHECK(r.status == 400);
    CHECK(site.stagedFiles() == 0);
    CHECK(site.componentsOf("Gateway", "1.0") ==
          std::vector<std::string>{"log4j-core@2.14.1", "openssl@1.1.1k"});
    CHECK(site.rematched.empty());
}

TEST_CASE("upload bodies go to disk and the others stay in memory", "[web][upload]") {
    CHECK(streamedUpload("POST", "/products/Gateway/sbom", "multipart/form-data; boundary=x"));
    CHECK(streamedUpload("POST", "/api/v1/products/Gateway/versions/1.0/sbom", "application/json"));
    CHECK(streamedUpload("POST", "/anything", "Multipart/Form-Data; boundary=x"));
    CHECK_FALSE(streamedUpload("POST", "/cases/1/transition", "application/x-www-form-urlencoded"));
    CHECK_FALSE(streamedUpload("GET", "/products/Gateway/sbom", ""));
    CHECK(validHexToken(randomHexToken()));
    CHECK(randomHexToken() != randomHexToken());
    CHECK_FALSE(validHexToken("../../etc/passwd"));
    test::TempDir dir;
    const std::string folder = dir.file("private");
    ensurePrivateDir(folder);
    CHECK((std::filesystem::status(folder).permissions() & std::filesystem::perms::all) ==
          std::filesystem::perms::owner_all);
    NewFile f = createPrivateFile(folder, "body-");
    ::close(f.fd);
    CHECK((std::filesystem::status(f.path).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
    HttpRequest r;
    r.bodyFile = f.path;
    std::ofstream(f.path, std::ios::binary) << "0123456789";
    CHECK(requestBody(r, 10) == "0123456789");
    CHECK_THROWS_AS(requestBody(r, 9), std::length_error);
    CHECK(requestBodySize(r) == 10);
}

TEST_CASE("the SBOM API answers a dry run and commits with the user in the audit trail",
          "[web][api][sbom]") {
    Site site;
    const std::string alice = createApiToken(*site.store, "alice", "t", "test", kNow);
    const std::string vic = createApiToken(*site.store, "vic", "t", "test", kNow);
    const auto post = [&](const std::string& token, const std::string& target,
                          const std::string& body) {
        HttpRequest r;
        r.method = "POST";
        const auto q = target.find('?');
        r.path = target.substr(0, q);
        r.query = q == std::string::npos ? "" : target.substr(q + 1);
        r.headers = {{"Authorization", "Bearer " + token}};
        r.bodyFile = site.dir.file("api-body");
        std::ofstream(r.bodyFile, std::ios::binary) << body;
        r.clientIp = "192.0.2.1";
        std::string error;
        HttpResponse response = site.api->handle(r, site.store.get(), kNow, &error);
        INFO(error);
        CHECK(response.status != 500);
        return response;
    };
    const std::string sbom = cycloneDx({{"log4j-core", "2.17.1"}, {"openssl", "1.1.1k"}});
    const std::string path = "/api/v1/products/Gateway/versions/1.0/sbom";
    HttpResponse r = post(alice, path + "?dry_run=true", sbom);
    REQUIRE(r.status == 200);
    auto doc = Poco::JSON::Parser().parse(r.body).extract<Poco::JSON::Object::Ptr>();
    CHECK(doc->getValue<bool>("dry_run"));
    CHECK_FALSE(doc->getValue<bool>("committed"));
    CHECK(doc->getArray("changed")->size() == 1);
    CHECK(doc->getValue<int>("unchanged") == 1);
    CHECK(site.componentsOf("Gateway", "1.0") ==
          std::vector<std::string>{"log4j-core@2.14.1", "openssl@1.1.1k"});
    r = post(alice, path, sbom);
    REQUIRE(r.status == 200);
    doc = Poco::JSON::Parser().parse(r.body).extract<Poco::JSON::Object::Ptr>();
    CHECK(doc->getValue<bool>("committed"));
    CHECK(site.componentsOf("Gateway", "1.0") ==
          std::vector<std::string>{"log4j-core@2.17.1", "openssl@1.1.1k"});
    CHECK(site.rematched == std::vector<std::string>{"Gateway|1.0"});
    // The same again: nothing to do, no re-match.
    r = post(alice, path, sbom);
    doc = Poco::JSON::Parser().parse(r.body).extract<Poco::JSON::Object::Ptr>();
    CHECK_FALSE(doc->getValue<bool>("committed"));
    CHECK(site.rematched.size() == 1);
    CHECK(post(vic, path, sbom).status == 403);
    CHECK(post(alice, "/api/v1/products/Nothing/versions/1.0/sbom", sbom).status == 404);
    r = post(alice, path, "not an sbom at all");
    CHECK(r.status == 422);
    CHECK(r.body.find("invalid-sbom") != std::string::npos);
    CHECK(post(alice, path + "?format=xml", sbom).status == 400);
    CHECK(post(alice, path, "").status == 400);
}
