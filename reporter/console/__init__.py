"""The officials' console (工作台): server-rendered pages over the same services the API calls."""
