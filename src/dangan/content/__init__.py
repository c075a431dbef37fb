"""What a file is and what it says: format detection, text layers, page images, hashing.

A neutral package: the archive (filing, verify) and the intake pipeline both
use it, and it imports neither.  Heavy libraries (pypdfium2, python-docx,
Pillow) are imported inside the functions that need them.
"""
