"""The statistics: methods that take counts and return estimates with their uncertainty.

Normal variation of a count (``noise``), funnel limits and shrunk rates (``funnel``), nowcasts of the latest,
incomplete weeks (``nowcast``), difference-in-differences and event studies (``did``), engagement
association (``engagement_stats``), survey trust (``trust_stats``), program costs and crime harm (``costs``,
``harm``). No page, figure or Streamlit here: the methods essay is in ``did``.
"""
