#include "web/view.h"

#include "web/page_templates_builtin.h"
#include "web/static_files_builtin.h"

#include <kainjow/mustache.hpp>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <vector>

namespace vw::web {

namespace mustache = kainjow::mustache;

struct View::Node {
    enum class Kind { Text, Flag, List, Object };
    Kind kind = Kind::Text;
    std::string text; // escaped, or trusted markup
    bool flag = false;
    std::vector<std::unique_ptr<View>> items;
    std::unique_ptr<View> object;
};

View::View() = default;
View::~View() = default;
View::View(View&&) noexcept = default;
View& View::operator=(View&&) noexcept = default;

View& View::text(const std::string& key, std::string_view value) {
    return html(key, htmlEscape(value));
}

View& View::html(const std::string& key, std::string markup) {
    auto node = std::make_unique<Node>();
    node->kind = Node::Kind::Text;
    node->text = std::move(markup);
    values_[key] = std::move(node);
    return *this;
}

View& View::flag(const std::string& key, bool value) {
    auto node = std::make_unique<Node>();
    node->kind = Node::Kind::Flag;
    node->flag = value;
    values_[key] = std::move(node);
    return *this;
}

View& View::number(const std::string& key, std::int64_t value) {
    return html(key, std::to_string(value));
}

View& View::list(const std::string& key) {
    auto& slot = values_[key];
    if (!slot || slot->kind != Node::Kind::List) {
        slot = std::make_unique<Node>();
        slot->kind = Node::Kind::List;
    }
    return *this;
}

View& View::item(const std::string& key) {
    list(key);
    auto& items = values_[key]->items;
    items.push_back(std::make_unique<View>());
    return *items.back();
}

View& View::object(const std::string& key) {
    auto& slot = values_[key];
    if (!slot || slot->kind != Node::Kind::Object) {
        slot = std::make_unique<Node>();
        slot->kind = Node::Kind::Object;
        slot->object = std::make_unique<View>();
    }
    return *slot->object;
}

struct ViewAccess {
    static mustache::data toData(const View& view) {
        mustache::data out{mustache::data::type::object};
        for (const auto& [key, node] : view.values_) {
            switch (node->kind) {
            case View::Node::Kind::Text:
                out.set(key, mustache::data(node->text));
                break;
            case View::Node::Kind::Flag:
                out.set(key, mustache::data(node->flag));
                break;
            case View::Node::Kind::List: {
                mustache::data list{mustache::data::type::list};
                for (const auto& item : node->items) {
                    list.push_back(toData(*item));
                }
                out.set(key, std::move(list));
                break;
            }
            case View::Node::Kind::Object:
                out.set(key, toData(*node->object));
                break;
            }
        }
        return out;
    }
};

namespace {

/// The built-in templates' text by name.
class TemplateCache {
public:
    const std::string* source(std::string_view name) {
        const std::lock_guard<std::mutex> lock(mutex_);
        if (sources_.empty()) {
            for (const auto& file : builtin_templates::kFiles) {
                std::string key(file.name);
                key.erase(key.size() - std::string_view(".mustache").size());
                sources_.emplace(std::move(key), std::string(file.text));
            }
        }
        const auto it = sources_.find(std::string(name));
        return it == sources_.end() ? nullptr : &it->second;
    }

private:
    std::mutex mutex_;
    std::unordered_map<std::string, std::string> sources_;
};

TemplateCache& cache() {
    static TemplateCache instance;
    return instance;
}

} // namespace

bool hasTemplate(std::string_view name) {
    return cache().source(name) != nullptr;
}

namespace {

/// Parsed templates kept for the next render, by name. kainjow's render is not const, so a
/// parsed template serves one render at a time: a render takes one (or parses the text when
/// none is free) and gives it back, so there are as many copies of a template as renders of it
/// ran at once (at most the server's store connections), not one per thread.
class ParsedTemplates {
public:
    std::unique_ptr<mustache::mustache> take(const std::string& name) {
        const std::lock_guard<std::mutex> lock(mutex_);
        auto it = free_.find(name);
        if (it == free_.end() || it->second.empty()) {
            return nullptr;
        }
        auto tmpl = std::move(it->second.back());
        it->second.pop_back();
        return tmpl;
    }
    void giveBack(const std::string& name, std::unique_ptr<mustache::mustache> tmpl) {
        const std::lock_guard<std::mutex> lock(mutex_);
        free_[name].push_back(std::move(tmpl));
    }

private:
    std::mutex mutex_;
    std::unordered_map<std::string, std::vector<std::unique_ptr<mustache::mustache>>> free_;
};

ParsedTemplates& parsedTemplates() {
    static ParsedTemplates instance;
    return instance;
}

} // namespace

std::string renderTemplate(std::string_view name, const View& view) {
    // Parsed once and kept, not on every render (docs/performance.md "Web (issue 13)").
    const std::string key(name);
    std::unique_ptr<mustache::mustache> tmpl = parsedTemplates().take(key);
    if (!tmpl) {
        const std::string* source = cache().source(name);
        if (source == nullptr) {
            throw std::runtime_error("no page template named " + key);
        }
        tmpl = std::make_unique<mustache::mustache>(*source);
        if (!tmpl->is_valid()) {
            throw std::runtime_error("page template " + key +
                                     " does not parse: " + tmpl->error_message());
        }
        // Values arrive escaped (View::text) or as trusted markup (View::html).
        tmpl->set_custom_escape([](const std::string& text) { return text; });
    }
    std::string out = tmpl->render(ViewAccess::toData(view));
    if (!tmpl->is_valid()) {
        // Not kept: the next render parses the text again.
        throw std::runtime_error("page template " + key +
                                 " does not render: " + tmpl->error_message());
    }
    parsedTemplates().giveBack(key, std::move(tmpl));
    return out;
}

namespace {

std::string_view contentTypeOf(std::string_view name) {
    const auto dot = name.rfind('.');
    const std::string_view ext = dot == std::string_view::npos ? "" : name.substr(dot + 1);
    if (ext == "css") {
        return "text/css; charset=utf-8";
    }
    if (ext == "js") {
        return "text/javascript; charset=utf-8";
    }
    if (ext == "svg") {
        return "image/svg+xml";
    }
    return "text/plain; charset=utf-8";
}

} // namespace

const StaticFile* staticFile(std::string_view name) {
    static const std::vector<StaticFile> files = [] {
        std::vector<StaticFile> all;
        for (const auto& file : builtin_static::kFiles) {
            all.push_back(StaticFile{file.name, file.text, contentTypeOf(file.name)});
        }
        return all;
    }();
    for (const StaticFile& f : files) {
        if (f.name == name) {
            return &f;
        }
    }
    return nullptr;
}

} // namespace vw::web
