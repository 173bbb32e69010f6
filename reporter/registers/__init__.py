"""Registers and special campaigns (台账与专项整治): the problem register of every outstanding problem, whatever its
source, and (later steps) the registers of regulated sites and the campaigns run against them."""
