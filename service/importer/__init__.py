"""Repair jobs from an office's spreadsheet (CSV or XLSX): the accepted columns and how each
cell is read (``columns``), the rows of a file (``sheets``), a whole file into jobs with the
report of what was refused (``jobs``), and ``huifang import``'s help, template and summary
(``command``)."""
