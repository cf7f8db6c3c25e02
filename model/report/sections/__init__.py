"""The report's page sections, one module each: every function returns one ``<section>`` of
HTML, drawing its figures into the report's ``Figures`` store."""
