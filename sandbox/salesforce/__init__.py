"""A local stand-in for the Salesforce REST API (OAuth, sObjects, collections, SOQL), served over TLS."""
