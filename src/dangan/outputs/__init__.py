"""What an archive hands over: archival renditions with the 归档章, lending copies, transfer packages, reports.

Domain code only (no forms, no search): the app injects the PDF renderer
(:data:`dangan.outputs.rendition.PdfRenderer`) and files what is made here.
"""
