"""Transfer packages (移交包): the manifest, each 件's XML metadata, the package layout and its check."""
