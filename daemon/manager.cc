// Manager: see manager.h
