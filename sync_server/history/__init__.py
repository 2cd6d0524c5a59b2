"""The patient's history (issue 13, ADR 006): a time-ordered projection of the events that name a patient,
kept in DynamoDB or PostgreSQL, and the doctors' notes written into it."""
