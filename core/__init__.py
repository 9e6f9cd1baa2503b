"""Cross-cutting pieces every layer may use: settings, time, logging. Imports nothing of Baton's."""
