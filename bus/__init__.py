"""cimbus message bus: IEC 61968-100 envelope, transports, pipeline, SOAP, journal and CLI."""
