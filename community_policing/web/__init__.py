"""The web layer: the only part of the library that imports Streamlit (tests/test_architecture.py).

The pages call these modules; each holds one kind of Streamlit helper:

- ``cached``: the warehouse and what the pages read from it, cached per build, ledger version and language, and
  protected in public mode (``view``: the one privacy boundary between the views and the pages);
- ``sidebar``: the filters (period, offenses, count by) held across pages and carried in the address;
- ``session``: widget values held across pages, the address (query string), every page entered via dashboard.py;
- ``language``: the language picker, ``?lang=``, ``<html lang>``;
- ``about``: what a page says about its data (simulated-data banner, data note, freshness, series breaks);
- ``display``: charts with a text alternative, tables built when opened, column formats, map and row clicks;
- ``downloads``: formula-safe table downloads (through ``exports``) and documents;
- ``signin``, ``auth``: who is looking (public or staff), sign-in and sign-out, the privacy rules that apply;
- ``staff``: the staff pages' ledger editor, bulk upload and audit trail;
- ``echo``: what readers and files say, shown as plain text (never run as Markdown);
- ``warmup``: the background imports at server start.
"""
