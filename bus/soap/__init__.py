"""The SOAP side of the bus: IEC 61968-100 web services offered to partners, and calls to theirs."""
