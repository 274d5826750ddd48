"""The project workspace (项目工作台) in parts: the header, the stage and close actions, and
one module a tab. `views/project.py` picks the project and lays them out; each part draws
from a `Workspace`, what the page read once for the project shown."""
