"""Site-days simulated through the real engine (`qms simulate`, the staffing planner and the
estimate accuracy benchmark). See docs/simulation.md."""
from .day import DayResult, TicketRecord, simulate_day, simulate_days
from .profile import Profile, ServiceLoad, load_profile, uniform_profile

__all__ = ["DayResult", "TicketRecord", "simulate_day", "simulate_days", "Profile",
           "ServiceLoad", "load_profile", "uniform_profile"]
