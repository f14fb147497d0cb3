"""Diagnosis of a firm (落后 / 中间 / 先锋 and red flags) and the services that treat it."""
