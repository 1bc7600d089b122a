"""Documents in, rows out: reading files and HTML, batch scoring, resumable output, the HTML report and the
Ray engine. Imports the model wing, never the training wing.
"""
