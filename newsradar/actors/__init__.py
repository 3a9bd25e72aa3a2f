"""Actors: who a text names, and who they are. ``dictionary`` loads the actor dictionary we write
(countries, organizations, office-holders with dated roles); ``coding`` resolves an actor phrase to
a canonical actor with a country and a sector."""

from .coding import ActorCode, code_actor
from .dictionary import Dictionary, load_dictionary

__all__ = ["ActorCode", "Dictionary", "code_actor", "load_dictionary"]
