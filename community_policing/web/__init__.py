"""The web layer: the only part of the library that imports Streamlit.

``ui`` holds the Streamlit helpers the pages call (language, filters held in the session and the address,
cached views, downloads, staff widgets), ``auth`` the staff sign-in, ``warmup`` the background imports at
server start.
"""
