"""What commerce does when the service side moves: a signed work report takes its used materials out of the
technician's van and leaves the ones left with the customer to bill (``services.field``). Registered on the
service's tables, so that service never imports commerce."""
