package deploytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"testing"
)

const (
	dashboardPath      = "deploy/grafana/dashboards/tollgate.json"
	chartDashboardPath = "charts/tollgate/dashboards/tollgate.json"
)

// dashboard is the part of a Grafana dashboard JSON model these tests read.
type dashboard struct {
	UID        string  `json:"uid"`
	Title      string  `json:"title"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []templateVar `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID         int         `json:"id"`
	Type       string      `json:"type"`
	Title      string      `json:"title"`
	Datasource *datasource `json:"datasource"`
	Targets    []target    `json:"targets"`
	Panels     []panel     `json:"panels"` // a collapsed row's panels
	GridPos    *struct {
		H, W, X, Y int
	} `json:"gridPos"`
}

type target struct {
	RefID        string      `json:"refId"`
	Expr         string      `json:"expr"`
	LegendFormat string      `json:"legendFormat"`
	Datasource   *datasource `json:"datasource"`
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type templateVar struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Query      json.RawMessage `json:"query"`
	Datasource *datasource     `json:"datasource"`
}

func loadDashboard(t *testing.T, rel string) dashboard {
	t.Helper()
	var d dashboard
	if err := json.Unmarshal(readRepoFile(t, rel), &d); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return d
}

// allPanels flattens rows: the top-level panels and the panels inside collapsed rows.
func (d dashboard) allPanels() []panel {
	var out []panel
	for _, p := range d.Panels {
		out = append(out, p)
		out = append(out, p.Panels...)
	}
	return out
}

func TestDashboardExpressionsUseKnownMetrics(t *testing.T) {
	d := loadDashboard(t, dashboardPath)
	used := map[string]bool{}
	exprs := 0
	for _, p := range d.allPanels() {
		for _, tg := range p.Targets {
			exprs++
			res, err := checkExpr(tg.Expr, KnownMetrics)
			if err != nil {
				t.Errorf("panel %q target %s: %v", p.Title, tg.RefID, err)
				continue
			}
			for _, f := range res.families {
				used[f] = true
			}
			for _, l := range legendLabels(tg.LegendFormat) {
				if !res.labels[l] {
					t.Errorf("panel %q target %s: legend uses {{%s}}, which the result does not carry", p.Title, tg.RefID, l)
				}
			}
		}
	}
	if exprs == 0 {
		t.Fatal("dashboard has no expressions")
	}
	// Every exported metric is on the dashboard: a new metric needs a panel.
	for name := range KnownMetrics {
		if !used[name] {
			t.Errorf("metric %s is on no dashboard panel", name)
		}
	}
}

// labelValues matches a Grafana label_values(metric, label) variable query.
var labelValues = regexp.MustCompile(`^label_values\(\s*(\w+)\s*,\s*(\w+)\s*\)$`)

func TestDashboardVariables(t *testing.T) {
	d := loadDashboard(t, dashboardPath)
	var haveDatasource bool
	for _, v := range d.Templating.List {
		switch v.Type {
		case "datasource":
			var q string
			if err := json.Unmarshal(v.Query, &q); err != nil || q != "prometheus" {
				t.Errorf("variable %s: query = %s, want \"prometheus\"", v.Name, v.Query)
			}
			haveDatasource = v.Name == "datasource"
		case "query":
			var q struct {
				Query string `json:"query"`
			}
			if err := json.Unmarshal(v.Query, &q); err != nil {
				t.Errorf("variable %s: %v", v.Name, err)
				continue
			}
			m := labelValues.FindStringSubmatch(q.Query)
			if m == nil {
				t.Errorf("variable %s: query %q is not label_values(metric, label)", v.Name, q.Query)
				continue
			}
			metric, ok := KnownMetrics[m[1]]
			if !ok || !slices.Contains(metric.Labels, m[2]) {
				t.Errorf("variable %s: %s has no label %s", v.Name, m[1], m[2])
			}
			if v.Datasource == nil || v.Datasource.UID != "${datasource}" {
				t.Errorf("variable %s: datasource %+v, want uid ${datasource}", v.Name, v.Datasource)
			}
		default:
			t.Errorf("variable %s: unexpected type %q", v.Name, v.Type)
		}
	}
	if !haveDatasource {
		t.Error("no datasource variable named \"datasource\"")
	}
}

func TestDashboardPanelsWellFormed(t *testing.T) {
	d := loadDashboard(t, dashboardPath)
	if d.UID == "" || d.Title == "" {
		t.Errorf("uid %q, title %q: both are required", d.UID, d.Title)
	}
	// No two top-level panels cover the same grid cell.
	for i, a := range d.Panels {
		for _, b := range d.Panels[i+1:] {
			if a.GridPos != nil && b.GridPos != nil &&
				a.GridPos.X < b.GridPos.X+b.GridPos.W && b.GridPos.X < a.GridPos.X+a.GridPos.W &&
				a.GridPos.Y < b.GridPos.Y+b.GridPos.H && b.GridPos.Y < a.GridPos.Y+a.GridPos.H {
				t.Errorf("panels %q and %q overlap", a.Title, b.Title)
			}
		}
	}
	ids := map[int]string{}
	for _, p := range d.allPanels() {
		where := fmt.Sprintf("panel %d %q", p.ID, p.Title)
		if prev, dup := ids[p.ID]; dup {
			t.Errorf("%s: id also used by %q", where, prev)
		}
		ids[p.ID] = p.Title
		if p.GridPos == nil || p.GridPos.W == 0 || p.GridPos.H == 0 || p.GridPos.X+p.GridPos.W > 24 {
			t.Errorf("%s: bad gridPos %+v", where, p.GridPos)
		}
		if p.Type == "row" {
			continue
		}
		if len(p.Targets) == 0 {
			t.Errorf("%s: no targets", where)
		}
		if p.Datasource == nil || p.Datasource.UID != "${datasource}" || p.Datasource.Type != "prometheus" {
			t.Errorf("%s: datasource %+v, want prometheus ${datasource}", where, p.Datasource)
		}
		refs := map[string]bool{}
		for _, tg := range p.Targets {
			if tg.RefID == "" || refs[tg.RefID] {
				t.Errorf("%s: missing or duplicate refId %q", where, tg.RefID)
			}
			refs[tg.RefID] = true
			if tg.Datasource != nil && tg.Datasource.UID != "${datasource}" {
				t.Errorf("%s target %s: datasource uid %q", where, tg.RefID, tg.Datasource.UID)
			}
		}
	}
}

// TestChartDashboardInSync: helm can read only files inside the chart, so the chart carries a
// copy of the dashboard; it must be the same bytes as the compose one.
func TestChartDashboardInSync(t *testing.T) {
	a := readRepoFile(t, dashboardPath)
	b := readRepoFile(t, chartDashboardPath)
	if !bytes.Equal(a, b) {
		t.Fatalf("%s differs from %s: run cp %s %s", chartDashboardPath, dashboardPath, dashboardPath, chartDashboardPath)
	}
}
