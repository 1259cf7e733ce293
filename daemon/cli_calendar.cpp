// `vulnwatch calendar --year Y [--json] [--lang ja|en]`: the year's holidays and company
// closures as the case clocks count them (core/calendar.h, docs/cases.md "Clocks"). Reads the
// config when there is one ([calendar] closures, holidays_file), else the built-in rules and
// the default closures.
#include "config/calendar_config.h"
#include "core/calendar.h"
#include "core/json_writer.h"
#include "daemon/cli.h"
#include "daemon/cli_support.h"

#include <filesystem>

namespace vw::cli {

namespace {

constexpr const char* kUsage = "calendar --year Y [--json] [--lang ja|en]";

int parseYear(const std::string& text) {
    if (text.size() != 4 || text.find_first_not_of("0123456789") != std::string::npos ||
        text[0] == '0') {
        throw UsageError("--year expects a year like 2026, not '" + text + "'");
    }
    return std::stoi(text);
}

} // namespace

int cmdCalendar(Context& ctx, const std::vector<std::string>& args) {
    Options opt(args, {{"year", true}, {"json", false}, {"lang", true}});
    opt.expectPositional(
        0, 0, "no arguments besides --year, --json and --lang (" + std::string(kUsage) + ")");
    if (!opt.has("year")) {
        throw UsageError(std::string("calendar needs --year Y (") + kUsage + ")");
    }
    const int year = parseYear(opt.get("year"));
    const std::string lang = opt.get("lang", "ja");
    if (lang != "ja" && lang != "en") {
        throw UsageError("--lang must be ja or en, not '" + lang + "'");
    }
    // The calendar needs no secret: a config whose secret files this user cannot read works.
    BusinessCalendar calendar;
    if (ctx.globals.configGiven || std::filesystem::exists(ctx.globals.configPath)) {
        calendar = makeCalendar(loadConfig(ctx.globals.configPath, false).calendar);
    }
    std::vector<Holiday> days;
    try {
        days = calendar.daysOff(year);
    } catch (const CalendarRangeError& e) {
        ctx.err << "vulnwatch: " << e.what() << "\n";
        return kExitUsage;
    }
    const auto nameOf = [&](const Holiday& h) { return lang == "en" ? h.nameEn : h.name; };
    if (opt.has("json")) {
        ctx.out << "[";
        for (std::size_t i = 0; i < days.size(); ++i) {
            JsonWriter w;
            w.beginObject().key("date").value(formatDate(days[i].date));
            w.key("kind").value(holidayKindName(days[i].kind));
            w.key("name").value(nameOf(days[i])).endObject();
            ctx.out << (i == 0 ? "\n" : ",\n") << w.str();
        }
        ctx.out << (days.empty() ? "]\n" : "\n]\n");
        return kExitOk;
    }
    for (const auto& h : days) {
        ctx.out << formatDate(h.date) << " " << holidayKindName(h.kind) << " " << nameOf(h) << "\n";
    }
    return kExitOk;
}

} // namespace vw::cli
