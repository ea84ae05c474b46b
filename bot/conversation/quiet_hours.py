"""Quiet hours for alerts: never between 21:00 and 08:00 where the recipient is (issue 25).

Each U.S. state is mapped to its time zones, its main one first (the one shown to staff). Fifteen states
span two zones; an alert waits until it is between 08:00 and 21:00 in every zone of the recipient's state,
so nobody in the state's smaller zone is woken either (README, "Alerts by consent"). A subscriber who
gave no state may be anywhere: the alert waits until it is daytime in every zone below. Pure: zoneinfo
and tzdata only.
"""
import datetime
from zoneinfo import ZoneInfo

QUIET_FROM, QUIET_UNTIL = 21, 8   # local hours: nothing is sent from 21:00 until 08:00

ET, CT, MT, PT = "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"
STATE_ZONES = {
    "US-AL": (CT,), "US-AK": ("America/Anchorage", "America/Adak"), "US-AZ": ("America/Phoenix", MT),
    "US-AR": (CT,), "US-CA": (PT,), "US-CO": (MT,), "US-CT": (ET,), "US-DE": (ET,), "US-DC": (ET,),
    "US-FL": (ET, CT), "US-GA": (ET,), "US-HI": ("Pacific/Honolulu",), "US-ID": ("America/Boise", PT),
    "US-IL": (CT,), "US-IN": ("America/Indiana/Indianapolis", CT), "US-IA": (CT,), "US-KS": (CT, MT),
    "US-KY": (ET, CT), "US-LA": (CT,), "US-ME": (ET,), "US-MD": (ET,), "US-MA": (ET,),
    "US-MI": ("America/Detroit", "America/Menominee"), "US-MN": (CT,), "US-MS": (CT,), "US-MO": (CT,),
    "US-MT": (MT,), "US-NE": (CT, MT), "US-NV": (PT, MT), "US-NH": (ET,), "US-NJ": (ET,), "US-NM": (MT,),
    "US-NY": (ET,), "US-NC": (ET,), "US-ND": (CT, MT), "US-OH": (ET,), "US-OK": (CT,),
    "US-OR": (PT, "America/Boise"), "US-PA": (ET,), "US-PR": ("America/Puerto_Rico",), "US-RI": (ET,),
    "US-SC": (ET,), "US-SD": (CT, MT), "US-TN": (CT, ET), "US-TX": (CT, MT), "US-UT": (MT,), "US-VT": (ET,),
    "US-VA": (ET,), "US-WA": (PT,), "US-WV": (ET,), "US-WI": (CT,), "US-WY": (MT,),
}
EVERY_ZONE = tuple(sorted({zone for zones in STATE_ZONES.values() for zone in zones}))


def zones_of(state):
    """Return the time zones an alert to a state must respect (every zone for no or an unknown state)."""
    return STATE_ZONES.get(state or "", EVERY_ZONE)


def main_zone(state):
    """Return the state's main time zone (None for no or an unknown state)."""
    zones = STATE_ZONES.get(state or "")
    return zones[0] if zones else None


def _quiet_in(now, zone):
    """Return True when it is between QUIET_FROM and QUIET_UNTIL in zone at now (aware)."""
    hour = now.astimezone(ZoneInfo(zone)).hour
    return hour >= QUIET_FROM or hour < QUIET_UNTIL


def is_quiet(now, state):
    """Return True when an alert must not reach a subscriber of state at now (an aware datetime)."""
    return any(_quiet_in(now, zone) for zone in zones_of(state))


def next_opening(now, state):
    """Return the first moment at or after now (aware, UTC) when an alert may reach state, to the minute."""
    moment = now.astimezone(datetime.timezone.utc).replace(second=0, microsecond=0)
    if not is_quiet(now, state):
        return now
    for _ in range(48 * 4):  # every quarter hour for two days: zones' openings fall on quarter hours
        moment += datetime.timedelta(minutes=15)
        moment = moment.replace(minute=moment.minute - moment.minute % 15)
        if not is_quiet(moment, state):
            return moment
    raise ValueError(f"no daytime hour is shared by the time zones of {state or 'every state'}")
