"""The map of sites (``fleet/_sites_map.html``): the sites that have coordinates, and the tile server, if any."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django import template
from django.conf import settings

register = template.Library()
OSM = "https://www.openstreetmap.org/"


def _get(site: Any, name: str) -> Any:
    return site.get(name) if isinstance(site, dict) else getattr(site, name, None)


def _point(site: Any) -> dict[str, Any] | None:
    lat, lon = _get(site, "latitude"), _get(site, "longitude")
    if lat is None or lon is None:
        return None
    street, city = _get(site, "street") or "", _get(site, "city") or ""
    return {
        "name": _get(site, "name") or "",
        "address": ", ".join(part for part in (street, city) if part),
        "lat": float(lat),
        "lon": float(lon),
        "text": f"{lat}, {lon}",
        "link": f"{OSM}?{urlencode({'mlat': lat, 'mlon': lon})}#map=17/{lat}/{lon}",
    }


@register.simple_tag
def site_points(sites: Any) -> dict[str, Any]:
    """The sites with coordinates (``points``, each with its OpenStreetMap link), the same as JSON for the map
    (``json``), and the tile server (``tiles``: None when none is configured, and then no map is drawn)."""
    points = [p for p in (_point(site) for site in sites or ()) if p is not None]
    tiles = {"url": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION}
    shown = [{k: p[k] for k in ("name", "address", "lat", "lon")} for p in points]
    return {"points": points, "json": json.dumps(shown), "tiles": tiles if settings.MAP_TILE_URL else None}
