"""The municipal curator's district pages: the dashboard (``dashboard``), the numbers that open a list
(``counts``), growth by school and form (``growth``), satisfaction by school (``satisfaction``), the
school × roadmap-item matrix (``roadmap_matrix``) and the targets a district report is measured against
(``targets``)."""
