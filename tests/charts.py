"""What a test reads of the charts a page sent, whichever library drew them.

A Plotly chart arrives as its figure JSON; a Vega-Lite chart (``figures.vega``, ``display.altair_chart``) as
its spec with the data sent beside it as Arrow tables (Streamlit moves each dataset out of the spec).
``vega_charts`` puts the data back, so a test reads a chart's rows where the spec names them.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pyarrow as pa


def plotly_specs(at) -> list[dict]:
    """Every Plotly figure of an AppTest run, as dicts (``data``, ``layout``)."""
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def vega_charts(at) -> list[dict]:
    """Every Vega-Lite chart of an AppTest run: {"spec": the spec, "data": {name: DataFrame}, "alt": the text
    alternative, "key": the element's id}."""
    charts = []
    for el in at.get("vega_lite_chart"):
        proto = el.proto
        data = {d.name: pa.ipc.open_stream(d.data.data).read_pandas() for d in proto.datasets}
        charts.append({"spec": json.loads(proto.spec), "data": data, "alt": proto.alt, "key": proto.id})
    return charts


def rows(chart: dict) -> pd.DataFrame:
    """All rows of a Vega-Lite chart's datasets, one frame (a chart of one dataset: that dataset)."""
    frames = list(chart["data"].values())
    if not frames:
        return pd.DataFrame()
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def labels(chart: dict) -> list[str]:
    """The words of a Vega-Lite chart that are the app's, not the data's: titles and subtitles, axis, legend,
    header and tooltip titles, constant texts, and the names of the columns of its first dataset (the headings
    of the toolbar's "Show data" table, which shows that one): for scans of the page's language."""
    frames = list(chart["data"].values())
    columns = [str(c) for c in frames[0].columns] if frames else []
    return texts(chart, with_values=False) + columns


def texts(chart: dict, with_values: bool = True) -> list[str]:
    """Every string a reader may see in a Vega-Lite chart: titles and subtitles, axis, legend and header
    titles, tooltip titles, and the text values of its data (labels, hovers), for scans of machine text."""
    found: list[str] = []

    def walk(node, key=None):
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("$schema", "datasets", "data", "field", "type", "scheme", "format", "timeUnit", "name",
                         "mark", "aggregate", "bin", "sort", "stack", "orient", "anchor", "fontWeight"):
                    if k == "mark" and isinstance(v, dict):
                        walk(v, k)
                    continue
                walk(v, k)
        elif isinstance(node, list):
            if key in ("text", "subtitle", "title") and node and all(isinstance(v, str) for v in node):
                found.append(" ".join(node))  # a title in lines is read as one sentence
                return
            for v in node:
                walk(v, key)
        elif (isinstance(node, str) and key in ("text", "subtitle", "title", "value", "description")
              and not re.match(r"^(#[0-9a-fA-F]{3,8}|rgba?\(|transparent$)", node)):  # a colour is not text
            found.append(node)

    walk(chart["spec"])
    if not with_values:
        return found
    for frame in chart["data"].values():
        for column in frame.columns:
            if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
                found += [str(v) for v in frame[column].dropna().tolist() if isinstance(v, str)]
    return found


def title_of(chart: dict) -> str:
    """A Vega-Lite chart's title as one line (its lines joined)."""
    found = chart["spec"].get("title") or {}
    text = found.get("text", "") if isinstance(found, dict) else found
    return " ".join(text) if isinstance(text, list) else str(text)


def subtitle_of(chart: dict) -> str:
    found = chart["spec"].get("title") or {}
    text = found.get("subtitle", "") if isinstance(found, dict) else ""
    return " ".join(text) if isinstance(text, list) else str(text)
