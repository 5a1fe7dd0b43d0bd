"""Review: reviewers fix the fields the tool is unsure of, and their fixes survive every re-run.

`store` keeps the corrections (SQLite), `apply` lays them over a run's results, `app` is the
web page reviewers work in, `sheet` the spreadsheet round trip for those who prefer Excel.
On the same site, `banco_web` is the Banco de Saberes page that searches the run's
fichas.sqlite, through the queries of `banco`.
"""
