"""Time zones: Windows names (as Graph and Exchange send them) <-> IANA names, and wall-clock <-> UTC.

The table is the CLDR ``windowsZones`` mapping (Unicode CLDR, Unicode-3.0 licence): every Windows zone of
the "001" territory, the IANA zone CLDR names as its default first (spelled with today's IANA name, e.g.
"Asia/Kolkata" rather than "Asia/Calcutta"), then every other IANA zone CLDR maps to it, plus IANA aliases
whose tz data is identical to one of those. Nothing is guessed: a Windows name that is not in the table
(e.g. the retired "Mid-Atlantic Standard Time", or Graph's "tzone://Microsoft/Custom") and an IANA zone
with no Windows zone of identical rules (e.g. "Antarctica/Troll", "CET") raise :class:`ConversionError`.

:class:`ConversionError` is the one error every converter in ``mapping`` raises for input it cannot
convert; the engine turns it into a per-item issue. It lives here because this is the lowest module.

Neutral date-times are UTC strings "YYYY-MM-DDTHH:MM:SSZ" (see ``mapping.converters``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


class ConversionError(ValueError):
    """A value cannot be converted; the message says which and why (shown to users as an item issue)."""


# Windows zone -> IANA zones; the first one is CLDR's default ("001") for that Windows zone.
_CLDR: dict[str, tuple[str, ...]] = {
    "Afghanistan Standard Time": ("Asia/Kabul",),
    "Alaskan Standard Time": (
        "America/Anchorage",
        "America/Juneau",
        "America/Metlakatla",
        "America/Nome",
        "America/Sitka",
        "America/Yakutat",
        "US/Alaska",
    ),
    "Aleutian Standard Time": (
        "America/Adak",
        "America/Atka",
        "US/Aleutian",
    ),
    "Altai Standard Time": ("Asia/Barnaul",),
    "Arab Standard Time": (
        "Asia/Riyadh",
        "Asia/Aden",
        "Asia/Bahrain",
        "Asia/Kuwait",
        "Asia/Qatar",
    ),
    "Arabian Standard Time": (
        "Asia/Dubai",
        "Asia/Muscat",
        "Etc/GMT-4",
    ),
    "Arabic Standard Time": ("Asia/Baghdad",),
    "Argentina Standard Time": (
        "America/Argentina/Buenos_Aires",
        "America/Argentina/Catamarca",
        "America/Argentina/ComodRivadavia",
        "America/Argentina/Cordoba",
        "America/Argentina/Jujuy",
        "America/Argentina/La_Rioja",
        "America/Argentina/Mendoza",
        "America/Argentina/Rio_Gallegos",
        "America/Argentina/Salta",
        "America/Argentina/San_Juan",
        "America/Argentina/San_Luis",
        "America/Argentina/Tucuman",
        "America/Argentina/Ushuaia",
        "America/Buenos_Aires",
        "America/Catamarca",
        "America/Cordoba",
        "America/Jujuy",
        "America/Mendoza",
        "America/Rosario",
    ),
    "Astrakhan Standard Time": (
        "Europe/Astrakhan",
        "Europe/Ulyanovsk",
    ),
    "Atlantic Standard Time": (
        "America/Halifax",
        "America/Glace_Bay",
        "America/Goose_Bay",
        "America/Moncton",
        "America/Thule",
        "Atlantic/Bermuda",
        "Canada/Atlantic",
    ),
    "AUS Central Standard Time": (
        "Australia/Darwin",
        "Australia/North",
    ),
    "Aus Central W. Standard Time": ("Australia/Eucla",),
    "AUS Eastern Standard Time": (
        "Australia/Sydney",
        "Australia/ACT",
        "Australia/Canberra",
        "Australia/Melbourne",
        "Australia/NSW",
        "Australia/Victoria",
    ),
    "Azerbaijan Standard Time": ("Asia/Baku",),
    "Azores Standard Time": (
        "Atlantic/Azores",
        "America/Scoresbysund",
    ),
    "Bahia Standard Time": ("America/Bahia",),
    "Bangladesh Standard Time": (
        "Asia/Dhaka",
        "Asia/Dacca",
        "Asia/Thimbu",
        "Asia/Thimphu",
    ),
    "Belarus Standard Time": ("Europe/Minsk",),
    "Bougainville Standard Time": ("Pacific/Bougainville",),
    "Canada Central Standard Time": (
        "America/Regina",
        "America/Swift_Current",
        "Canada/Saskatchewan",
    ),
    "Cape Verde Standard Time": (
        "Atlantic/Cape_Verde",
        "Etc/GMT+1",
    ),
    "Caucasus Standard Time": ("Asia/Yerevan",),
    "Cen. Australia Standard Time": (
        "Australia/Adelaide",
        "Australia/Broken_Hill",
        "Australia/South",
        "Australia/Yancowinna",
    ),
    "Central America Standard Time": (
        "America/Guatemala",
        "America/Belize",
        "America/Costa_Rica",
        "America/El_Salvador",
        "America/Managua",
        "America/Tegucigalpa",
        "Etc/GMT+6",
        "Pacific/Galapagos",
    ),
    "Central Asia Standard Time": (
        "Asia/Bishkek",
        "Antarctica/Vostok",
        "Asia/Kashgar",
        "Asia/Urumqi",
        "Etc/GMT-6",
        "Indian/Chagos",
    ),
    "Central Brazilian Standard Time": (
        "America/Cuiaba",
        "America/Campo_Grande",
    ),
    "Central Europe Standard Time": (
        "Europe/Budapest",
        "Europe/Belgrade",
        "Europe/Bratislava",
        "Europe/Ljubljana",
        "Europe/Podgorica",
        "Europe/Prague",
        "Europe/Tirane",
    ),
    "Central European Standard Time": (
        "Europe/Warsaw",
        "Europe/Sarajevo",
        "Europe/Skopje",
        "Europe/Zagreb",
        "Poland",
    ),
    "Central Pacific Standard Time": (
        "Pacific/Guadalcanal",
        "Antarctica/Casey",
        "Etc/GMT-11",
        "Pacific/Efate",
        "Pacific/Kosrae",
        "Pacific/Noumea",
        "Pacific/Pohnpei",
        "Pacific/Ponape",
    ),
    "Central Standard Time": (
        "America/Chicago",
        "America/Indiana/Knox",
        "America/Indiana/Tell_City",
        "America/Knox_IN",
        "America/Matamoros",
        "America/Menominee",
        "America/North_Dakota/Beulah",
        "America/North_Dakota/Center",
        "America/North_Dakota/New_Salem",
        "America/Ojinaga",
        "America/Rainy_River",
        "America/Rankin_Inlet",
        "America/Resolute",
        "America/Winnipeg",
        "Canada/Central",
        "US/Central",
        "US/Indiana-Starke",
    ),
    "Central Standard Time (Mexico)": (
        "America/Mexico_City",
        "America/Bahia_Banderas",
        "America/Chihuahua",
        "America/Merida",
        "America/Monterrey",
        "Mexico/General",
    ),
    "Chatham Islands Standard Time": (
        "Pacific/Chatham",
        "NZ-CHAT",
    ),
    "China Standard Time": (
        "Asia/Shanghai",
        "Asia/Chongqing",
        "Asia/Chungking",
        "Asia/Harbin",
        "Asia/Hong_Kong",
        "Asia/Macao",
        "Asia/Macau",
        "Hongkong",
        "PRC",
    ),
    "Cuba Standard Time": (
        "America/Havana",
        "Cuba",
    ),
    "Dateline Standard Time": ("Etc/GMT+12",),
    "E. Africa Standard Time": (
        "Africa/Nairobi",
        "Africa/Addis_Ababa",
        "Africa/Asmara",
        "Africa/Asmera",
        "Africa/Dar_es_Salaam",
        "Africa/Djibouti",
        "Africa/Kampala",
        "Africa/Mogadishu",
        "Antarctica/Syowa",
        "Etc/GMT-3",
        "Indian/Antananarivo",
        "Indian/Comoro",
        "Indian/Mayotte",
    ),
    "E. Australia Standard Time": (
        "Australia/Brisbane",
        "Australia/Lindeman",
        "Australia/Queensland",
    ),
    "E. Europe Standard Time": (
        "Europe/Chisinau",
        "Europe/Tiraspol",
    ),
    "E. South America Standard Time": (
        "America/Sao_Paulo",
        "Brazil/East",
    ),
    "Easter Island Standard Time": (
        "Pacific/Easter",
        "Chile/EasterIsland",
    ),
    "Eastern Standard Time": (
        "America/New_York",
        "America/Detroit",
        "America/Indiana/Petersburg",
        "America/Indiana/Vincennes",
        "America/Indiana/Winamac",
        "America/Iqaluit",
        "America/Kentucky/Louisville",
        "America/Kentucky/Monticello",
        "America/Louisville",
        "America/Montreal",
        "America/Nassau",
        "America/Nipigon",
        "America/Pangnirtung",
        "America/Thunder_Bay",
        "America/Toronto",
        "Canada/Eastern",
        "US/Eastern",
        "US/Michigan",
    ),
    "Eastern Standard Time (Mexico)": ("America/Cancun",),
    "Egypt Standard Time": (
        "Africa/Cairo",
        "Egypt",
    ),
    "Ekaterinburg Standard Time": ("Asia/Yekaterinburg",),
    "Fiji Standard Time": ("Pacific/Fiji",),
    "FLE Standard Time": (
        "Europe/Kyiv",
        "Europe/Helsinki",
        "Europe/Kiev",
        "Europe/Mariehamn",
        "Europe/Riga",
        "Europe/Sofia",
        "Europe/Tallinn",
        "Europe/Uzhgorod",
        "Europe/Vilnius",
        "Europe/Zaporozhye",
    ),
    "Georgian Standard Time": ("Asia/Tbilisi",),
    "GMT Standard Time": (
        "Europe/London",
        "Atlantic/Canary",
        "Atlantic/Faeroe",
        "Atlantic/Faroe",
        "Atlantic/Madeira",
        "Eire",
        "Europe/Belfast",
        "Europe/Dublin",
        "Europe/Guernsey",
        "Europe/Isle_of_Man",
        "Europe/Jersey",
        "Europe/Lisbon",
        "GB",
        "GB-Eire",
        "Portugal",
    ),
    "Greenland Standard Time": (
        "America/Nuuk",
        "America/Godthab",
    ),
    "Greenwich Standard Time": (
        "Atlantic/Reykjavik",
        "Africa/Abidjan",
        "Africa/Accra",
        "Africa/Bamako",
        "Africa/Banjul",
        "Africa/Bissau",
        "Africa/Conakry",
        "Africa/Dakar",
        "Africa/Freetown",
        "Africa/Lome",
        "Africa/Monrovia",
        "Africa/Nouakchott",
        "Africa/Ouagadougou",
        "Africa/Timbuktu",
        "America/Danmarkshavn",
        "Atlantic/St_Helena",
        "Iceland",
    ),
    "GTB Standard Time": (
        "Europe/Bucharest",
        "Asia/Famagusta",
        "Asia/Nicosia",
        "Europe/Athens",
        "Europe/Nicosia",
    ),
    "Haiti Standard Time": ("America/Port-au-Prince",),
    "Hawaiian Standard Time": (
        "Pacific/Honolulu",
        "Etc/GMT+10",
        "Pacific/Johnston",
        "Pacific/Rarotonga",
        "Pacific/Tahiti",
        "US/Hawaii",
    ),
    "India Standard Time": (
        "Asia/Kolkata",
        "Asia/Calcutta",
    ),
    "Iran Standard Time": (
        "Asia/Tehran",
        "Iran",
    ),
    "Israel Standard Time": (
        "Asia/Jerusalem",
        "Asia/Tel_Aviv",
        "Israel",
    ),
    "Jordan Standard Time": ("Asia/Amman",),
    "Kaliningrad Standard Time": ("Europe/Kaliningrad",),
    "Korea Standard Time": (
        "Asia/Seoul",
        "ROK",
    ),
    "Libya Standard Time": (
        "Africa/Tripoli",
        "Libya",
    ),
    "Line Islands Standard Time": (
        "Pacific/Kiritimati",
        "Etc/GMT-14",
    ),
    "Lord Howe Standard Time": (
        "Australia/Lord_Howe",
        "Australia/LHI",
    ),
    "Magadan Standard Time": ("Asia/Magadan",),
    "Magallanes Standard Time": (
        "America/Punta_Arenas",
        "America/Coyhaique",
    ),
    "Marquesas Standard Time": ("Pacific/Marquesas",),
    "Mauritius Standard Time": (
        "Indian/Mauritius",
        "Indian/Mahe",
        "Indian/Reunion",
    ),
    "Middle East Standard Time": ("Asia/Beirut",),
    "Montevideo Standard Time": ("America/Montevideo",),
    "Morocco Standard Time": (
        "Africa/Casablanca",
        "Africa/El_Aaiun",
    ),
    "Mountain Standard Time": (
        "America/Denver",
        "America/Boise",
        "America/Cambridge_Bay",
        "America/Ciudad_Juarez",
        "America/Edmonton",
        "America/Inuvik",
        "America/Shiprock",
        "America/Yellowknife",
        "Canada/Mountain",
        "Navajo",
        "US/Mountain",
    ),
    "Mountain Standard Time (Mexico)": (
        "America/Mazatlan",
        "Mexico/BajaSur",
    ),
    "Myanmar Standard Time": (
        "Asia/Yangon",
        "Asia/Rangoon",
        "Indian/Cocos",
    ),
    "N. Central Asia Standard Time": ("Asia/Novosibirsk",),
    "Namibia Standard Time": ("Africa/Windhoek",),
    "Nepal Standard Time": (
        "Asia/Kathmandu",
        "Asia/Katmandu",
    ),
    "New Zealand Standard Time": (
        "Pacific/Auckland",
        "Antarctica/McMurdo",
        "Antarctica/South_Pole",
        "NZ",
    ),
    "Newfoundland Standard Time": (
        "America/St_Johns",
        "Canada/Newfoundland",
    ),
    "Norfolk Standard Time": ("Pacific/Norfolk",),
    "North Asia East Standard Time": ("Asia/Irkutsk",),
    "North Asia Standard Time": (
        "Asia/Krasnoyarsk",
        "Asia/Novokuznetsk",
    ),
    "North Korea Standard Time": ("Asia/Pyongyang",),
    "Omsk Standard Time": ("Asia/Omsk",),
    "Pacific SA Standard Time": (
        "America/Santiago",
        "Chile/Continental",
    ),
    "Pacific Standard Time": (
        "America/Los_Angeles",
        "America/Vancouver",
        "Canada/Pacific",
        "US/Pacific",
    ),
    "Pacific Standard Time (Mexico)": (
        "America/Tijuana",
        "America/Ensenada",
        "America/Santa_Isabel",
        "Mexico/BajaNorte",
    ),
    "Pakistan Standard Time": ("Asia/Karachi",),
    "Paraguay Standard Time": ("America/Asuncion",),
    "Qyzylorda Standard Time": ("Asia/Qyzylorda",),
    "Romance Standard Time": (
        "Europe/Paris",
        "Africa/Ceuta",
        "Europe/Brussels",
        "Europe/Copenhagen",
        "Europe/Madrid",
    ),
    "Russia Time Zone 10": ("Asia/Srednekolymsk",),
    "Russia Time Zone 11": (
        "Asia/Kamchatka",
        "Asia/Anadyr",
    ),
    "Russia Time Zone 3": ("Europe/Samara",),
    "Russian Standard Time": (
        "Europe/Moscow",
        "Europe/Kirov",
        "Europe/Simferopol",
        "W-SU",
    ),
    "SA Eastern Standard Time": (
        "America/Cayenne",
        "America/Belem",
        "America/Fortaleza",
        "America/Maceio",
        "America/Paramaribo",
        "America/Recife",
        "America/Santarem",
        "Antarctica/Palmer",
        "Antarctica/Rothera",
        "Atlantic/Stanley",
        "Etc/GMT+3",
    ),
    "SA Pacific Standard Time": (
        "America/Bogota",
        "America/Atikokan",
        "America/Cayman",
        "America/Coral_Harbour",
        "America/Eirunepe",
        "America/Guayaquil",
        "America/Jamaica",
        "America/Lima",
        "America/Panama",
        "America/Porto_Acre",
        "America/Rio_Branco",
        "Brazil/Acre",
        "Etc/GMT+5",
        "Jamaica",
    ),
    "SA Western Standard Time": (
        "America/La_Paz",
        "America/Anguilla",
        "America/Antigua",
        "America/Aruba",
        "America/Barbados",
        "America/Blanc-Sablon",
        "America/Boa_Vista",
        "America/Curacao",
        "America/Dominica",
        "America/Grenada",
        "America/Guadeloupe",
        "America/Guyana",
        "America/Kralendijk",
        "America/Lower_Princes",
        "America/Manaus",
        "America/Marigot",
        "America/Martinique",
        "America/Montserrat",
        "America/Port_of_Spain",
        "America/Porto_Velho",
        "America/Puerto_Rico",
        "America/Santo_Domingo",
        "America/St_Barthelemy",
        "America/St_Kitts",
        "America/St_Lucia",
        "America/St_Thomas",
        "America/St_Vincent",
        "America/Tortola",
        "America/Virgin",
        "Brazil/West",
        "Etc/GMT+4",
    ),
    "Saint Pierre Standard Time": ("America/Miquelon",),
    "Sakhalin Standard Time": ("Asia/Sakhalin",),
    "Samoa Standard Time": ("Pacific/Apia",),
    "Sao Tome Standard Time": ("Africa/Sao_Tome",),
    "Saratov Standard Time": ("Europe/Saratov",),
    "SE Asia Standard Time": (
        "Asia/Bangkok",
        "Antarctica/Davis",
        "Asia/Ho_Chi_Minh",
        "Asia/Jakarta",
        "Asia/Phnom_Penh",
        "Asia/Pontianak",
        "Asia/Saigon",
        "Asia/Vientiane",
        "Etc/GMT-7",
        "Indian/Christmas",
    ),
    "Singapore Standard Time": (
        "Asia/Singapore",
        "Asia/Brunei",
        "Asia/Kuala_Lumpur",
        "Asia/Kuching",
        "Asia/Makassar",
        "Asia/Manila",
        "Asia/Ujung_Pandang",
        "Etc/GMT-8",
        "Singapore",
    ),
    "South Africa Standard Time": (
        "Africa/Johannesburg",
        "Africa/Blantyre",
        "Africa/Bujumbura",
        "Africa/Gaborone",
        "Africa/Harare",
        "Africa/Kigali",
        "Africa/Lubumbashi",
        "Africa/Lusaka",
        "Africa/Maputo",
        "Africa/Maseru",
        "Africa/Mbabane",
        "Etc/GMT-2",
    ),
    "South Sudan Standard Time": ("Africa/Juba",),
    "Sri Lanka Standard Time": ("Asia/Colombo",),
    "Sudan Standard Time": ("Africa/Khartoum",),
    "Syria Standard Time": ("Asia/Damascus",),
    "Taipei Standard Time": (
        "Asia/Taipei",
        "ROC",
    ),
    "Tasmania Standard Time": (
        "Australia/Hobart",
        "Antarctica/Macquarie",
        "Australia/Currie",
        "Australia/Tasmania",
    ),
    "Tocantins Standard Time": ("America/Araguaina",),
    "Tokyo Standard Time": (
        "Asia/Tokyo",
        "Asia/Dili",
        "Asia/Jayapura",
        "Etc/GMT-9",
        "Japan",
        "Pacific/Palau",
    ),
    "Tomsk Standard Time": ("Asia/Tomsk",),
    "Tonga Standard Time": ("Pacific/Tongatapu",),
    "Transbaikal Standard Time": ("Asia/Chita",),
    "Turkey Standard Time": (
        "Europe/Istanbul",
        "Asia/Istanbul",
        "Turkey",
    ),
    "Turks And Caicos Standard Time": ("America/Grand_Turk",),
    "Ulaanbaatar Standard Time": (
        "Asia/Ulaanbaatar",
        "Asia/Choibalsan",
        "Asia/Ulan_Bator",
    ),
    "US Eastern Standard Time": (
        "America/Indiana/Indianapolis",
        "America/Fort_Wayne",
        "America/Indiana/Marengo",
        "America/Indiana/Vevay",
        "America/Indianapolis",
        "US/East-Indiana",
    ),
    "US Mountain Standard Time": (
        "America/Phoenix",
        "America/Creston",
        "America/Dawson_Creek",
        "America/Fort_Nelson",
        "America/Hermosillo",
        "Etc/GMT+7",
        "US/Arizona",
    ),
    "UTC": (
        "Etc/UTC",
        "Etc/GMT",
        "Etc/GMT+0",
        "Etc/GMT-0",
        "Etc/GMT0",
        "Etc/Greenwich",
        "Etc/UCT",
        "Etc/Universal",
        "Etc/Zulu",
        "GMT",
        "GMT+0",
        "GMT-0",
        "GMT0",
        "Greenwich",
        "UCT",
        "UTC",
        "Universal",
        "Zulu",
    ),
    "UTC+12": (
        "Etc/GMT-12",
        "Kwajalein",
        "Pacific/Funafuti",
        "Pacific/Kwajalein",
        "Pacific/Majuro",
        "Pacific/Nauru",
        "Pacific/Tarawa",
        "Pacific/Wake",
        "Pacific/Wallis",
    ),
    "UTC+13": (
        "Etc/GMT-13",
        "Pacific/Enderbury",
        "Pacific/Fakaofo",
        "Pacific/Kanton",
    ),
    "UTC-02": (
        "Etc/GMT+2",
        "America/Noronha",
        "Atlantic/South_Georgia",
        "Brazil/DeNoronha",
    ),
    "UTC-08": (
        "Etc/GMT+8",
        "Pacific/Pitcairn",
    ),
    "UTC-09": (
        "Etc/GMT+9",
        "Pacific/Gambier",
    ),
    "UTC-11": (
        "Etc/GMT+11",
        "Pacific/Midway",
        "Pacific/Niue",
        "Pacific/Pago_Pago",
        "Pacific/Samoa",
        "US/Samoa",
    ),
    "Venezuela Standard Time": ("America/Caracas",),
    "Vladivostok Standard Time": (
        "Asia/Vladivostok",
        "Asia/Ust-Nera",
    ),
    "Volgograd Standard Time": ("Europe/Volgograd",),
    "W. Australia Standard Time": (
        "Australia/Perth",
        "Australia/West",
    ),
    "W. Central Africa Standard Time": (
        "Africa/Lagos",
        "Africa/Algiers",
        "Africa/Bangui",
        "Africa/Brazzaville",
        "Africa/Douala",
        "Africa/Kinshasa",
        "Africa/Libreville",
        "Africa/Luanda",
        "Africa/Malabo",
        "Africa/Ndjamena",
        "Africa/Niamey",
        "Africa/Porto-Novo",
        "Africa/Tunis",
        "Etc/GMT-1",
    ),
    "W. Europe Standard Time": (
        "Europe/Berlin",
        "Arctic/Longyearbyen",
        "Atlantic/Jan_Mayen",
        "Europe/Amsterdam",
        "Europe/Andorra",
        "Europe/Busingen",
        "Europe/Gibraltar",
        "Europe/Luxembourg",
        "Europe/Malta",
        "Europe/Monaco",
        "Europe/Oslo",
        "Europe/Rome",
        "Europe/San_Marino",
        "Europe/Stockholm",
        "Europe/Vaduz",
        "Europe/Vatican",
        "Europe/Vienna",
        "Europe/Zurich",
    ),
    "W. Mongolia Standard Time": ("Asia/Hovd",),
    "West Asia Standard Time": (
        "Asia/Tashkent",
        "Antarctica/Mawson",
        "Asia/Almaty",
        "Asia/Aqtau",
        "Asia/Aqtobe",
        "Asia/Ashgabat",
        "Asia/Ashkhabad",
        "Asia/Atyrau",
        "Asia/Dushanbe",
        "Asia/Oral",
        "Asia/Qostanay",
        "Asia/Samarkand",
        "Etc/GMT-5",
        "Indian/Kerguelen",
        "Indian/Maldives",
    ),
    "West Bank Standard Time": (
        "Asia/Hebron",
        "Asia/Gaza",
    ),
    "West Pacific Standard Time": (
        "Pacific/Port_Moresby",
        "Antarctica/DumontDUrville",
        "Etc/GMT-10",
        "Pacific/Chuuk",
        "Pacific/Guam",
        "Pacific/Saipan",
        "Pacific/Truk",
        "Pacific/Yap",
    ),
    "Yakutsk Standard Time": (
        "Asia/Yakutsk",
        "Asia/Khandyga",
    ),
    "Yukon Standard Time": (
        "America/Whitehorse",
        "America/Dawson",
        "Canada/Yukon",
    ),
}

UTC_NAMES = frozenset({"utc", "etc/utc", "z", "gmt", "coordinated universal time"})

WINDOWS_TO_IANA: dict[str, str] = {windows: zones[0] for windows, zones in _CLDR.items()}
"""Windows zone name -> default IANA zone (CLDR territory "001")."""

IANA_TO_WINDOWS: dict[str, str] = {zone: windows for windows, zones in _CLDR.items() for zone in zones}
"""IANA zone (default, other territories and identical aliases) -> Windows zone name."""

_WINDOWS_BY_FOLDED = {windows.casefold(): windows for windows in _CLDR}
_IANA_BY_FOLDED = {zone.casefold(): zone for zone in IANA_TO_WINDOWS}


@cache
def _iana_names() -> dict[str, str]:
    names = available_timezones() - {"localtime", "posixrules", "Factory"}
    return {name.casefold(): name for name in names}


def _clean(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ConversionError(f"unknown time zone {name!r}")
    return name.strip()


def to_iana(name: str | None) -> str:
    """The IANA name for a Windows or IANA zone name (case-insensitive); "UTC" for the UTC spellings."""
    text = _clean(name)
    folded = text.casefold()
    if folded in UTC_NAMES:
        return "UTC"
    if folded in _WINDOWS_BY_FOLDED:
        return WINDOWS_TO_IANA[_WINDOWS_BY_FOLDED[folded]]
    if folded in _IANA_BY_FOLDED:
        return _IANA_BY_FOLDED[folded]
    iana = _iana_names().get(folded)
    if iana is None:
        raise ConversionError(f"unknown time zone {text!r}")
    return iana


def to_windows(name: str | None) -> str:
    """The Windows name for an IANA (or Windows) zone name; an error when no Windows zone has its rules."""
    text = _clean(name)
    folded = text.casefold()
    if folded in UTC_NAMES:
        return "UTC"
    if folded in _WINDOWS_BY_FOLDED:
        return _WINDOWS_BY_FOLDED[folded]
    if folded in _IANA_BY_FOLDED:
        return IANA_TO_WINDOWS[_IANA_BY_FOLDED[folded]]
    if folded in _iana_names():
        raise ConversionError(f"time zone {text!r} has no matching Windows time zone")
    raise ConversionError(f"unknown time zone {text!r}")


def zone_info(name: str | None) -> ZoneInfo:
    """A ``ZoneInfo`` for a Windows or IANA name."""
    iana = to_iana(name)
    try:
        return ZoneInfo(iana)
    except (ZoneInfoNotFoundError, ValueError) as error:  # pragma: no cover - tz data missing on the host
        raise ConversionError(f"unknown time zone {iana!r}") from error


def parse_wall_time(value: str | None) -> datetime:
    """A naive wall-clock time from "YYYY-MM-DD[THH:MM[:SS[.fffffff]]]" (Graph sends 7 fraction digits)."""
    if not isinstance(value, str) or not value.strip():
        raise ConversionError(f"not a date-time: {value!r}")
    text = value.strip()
    head, dot, tail = text.partition(".")
    if dot:
        digits = "".join(ch for ch in tail if ch.isdigit())
        text = f"{head}.{digits[:6]}{tail[len(digits) :]}"
    text = text.replace("Z", "+00:00").replace("z", "+00:00")
    if text.endswith(("+0000", "-0000")):
        text = text[:-5] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as error:
        raise ConversionError(f"not a date-time: {value!r}") from error
    return parsed


def neutral(value: datetime) -> str:
    """The neutral UTC string for an aware date-time."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_to_utc(date_time: str | None, zone: str | None) -> str:
    """The neutral UTC instant of a wall-clock time in ``zone`` (Windows or IANA name).

    DST gaps and overlaps follow Outlook: a time that does not exist (spring forward, e.g. 02:30 on the
    night clocks jump 02:00 -> 03:00) is read with the offset before the jump, so it lands one hour later
    (03:30); a time that happens twice (fall back) is the first of the two. A value carrying its own offset
    or "Z" is that instant, whatever ``zone`` says.
    """
    parsed = parse_wall_time(date_time)
    if parsed.tzinfo is not None:
        return neutral(parsed)
    tz = zone_info(zone)
    return neutral(parsed.replace(tzinfo=tz, fold=0))  # fold=0: first of two, or pre-jump offset in a gap


def utc_to_local(date_time: str | None, zone: str | None) -> str:
    """The wall-clock time "YYYY-MM-DDTHH:MM:SS" in ``zone`` of a UTC instant (naive input counts as UTC)."""
    parsed = parse_wall_time(date_time)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(zone_info(zone)).strftime("%Y-%m-%dT%H:%M:%S")


def local_midnight(day: str, zone: str | None) -> datetime:
    """The aware UTC date-time at which ``day`` ("YYYY-MM-DD") begins in ``zone``.

    In the few zones that skip midnight on a DST day (e.g. America/Havana, Asia/Beirut), the day begins at
    the first wall-clock time that exists, per :func:`local_to_utc`.
    """
    return datetime.fromisoformat(local_to_utc(f"{day}T00:00:00", zone).replace("Z", "+00:00"))


def parse_neutral(value: str | None) -> datetime | None:
    """An aware UTC date-time from a neutral/Graph/Salesforce instant string; None for None or ""."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    parsed = parse_wall_time(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_date(value: object) -> str | None:
    """A calendar date "YYYY-MM-DD" from a date string (or the date part of a date-time); None for empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ConversionError(f"not a date: {value!r}")
    text = value.strip()[:10]
    try:
        return datetime.strptime(text, "%Y-%m-%d").date().isoformat()
    except ValueError as error:
        raise ConversionError(f"not a date: {value!r}") from error
