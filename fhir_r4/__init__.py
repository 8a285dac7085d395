"""A read-only FHIR R4 face of the portal at /fhir/r4/ (CONTRACT "FHIR R4 and operations").

Named `fhir_r4`, not `fhir`: fhir.resources (the models the tests validate our answers with)
installs a top-level package called `fhir`."""
