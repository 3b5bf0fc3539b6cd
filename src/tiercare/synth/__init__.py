"""`tiercare synth`: write a synthetic region (合成区域) as FHIR R4 NDJSON plus ground truth."""
