-- Validation warnings of an accepted design: what the file does not do as its specification
-- asks but that does not stop it being measured and registered (a 3MF thumbnail under the wrong
-- relationship type, a model part its model does not declare). A JSON array of {code, message},
-- shown by GET /v1/designs/{id}; NULL for designs validated before warnings were recorded.
ALTER TABLE designs ADD COLUMN validation_warnings JSON NULL AFTER metrics;
