"""The smallest Solara page with the dashboard's first-view markers (a Run button and a drawn
start picture), served as ``livskraft dashboard`` serves the dashboard: production mode and
the same compression. ``bench_dashboard.py --floor`` times its first view, which is what
Solara and the browser cost on this machine before the dashboard draws anything of its own."""

import solara

from dashboards import serving

PICTURE = ('<img src="data:image/svg+xml;utf8,<svg xmlns=%22http://www.w3.org/2000/svg%22 '
           'width=%2210%22 height=%2210%22></svg>">')

serving.light_compression()


@solara.component
def Page():
    solara.Button("Run", classes=["lk-run"])
    solara.HTML(tag="div", unsafe_innerHTML=PICTURE, classes=["lk-preview"])
