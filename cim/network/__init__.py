"""The network model: CIM RDF/XML import and export, difference models, topology (issue 4)."""
