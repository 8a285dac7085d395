"""import_catalog and the as-you-type drug search."""

import pytest
from django.core.management import CommandError, call_command

from prescriptions.models import CatalogItem
from prescriptions.selectors import catalog_search

GOOD = """code,name_fa,name_en,unit_price,form,strength
MET-500-TAB,متفورمین ۵۰۰ میلی‌گرم قرص,Metformin 500 mg tablet,3000,tablet,500 mg
ATOR-20-TAB,آتورواستاتین ۲۰ میلی‌گرم قرص,Atorvastatin 20 mg tablet,"8,500",tablet,20 mg
"""


def write(tmp_path, text, name="list.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_creates_then_updates_by_code(db, tmp_path, capsys):
    call_command("import_catalog", write(tmp_path, GOOD), "--kind", "drug")
    assert CatalogItem.objects.get(code="ATOR-20-TAB").unit_price == 8500
    assert "2 new" in capsys.readouterr().out
    changed = GOOD.replace("3000", "3500")
    call_command("import_catalog", write(tmp_path, changed), "--kind", "drug")
    assert CatalogItem.objects.get(code="MET-500-TAB").unit_price == 3500
    assert CatalogItem.objects.count() == 2
    assert "2 updated" in capsys.readouterr().out


def test_a_bad_row_imports_nothing_and_names_its_line(db, tmp_path, capsys):
    bad = GOOD + "BAD CODE!,نام,,100\nOK-1,نام,,-5\nOK-2,,,100\nMET-500-TAB,دوباره,,10\n"
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_catalog", write(tmp_path, bad), "--kind", "drug")
    errors = capsys.readouterr().err
    assert "line 4" in errors and "line 5" in errors and "line 6" in errors
    assert "line 7: code MET-500-TAB repeats line 2" in errors
    assert CatalogItem.objects.count() == 0


def test_missing_columns_are_reported(db, tmp_path, capsys):
    with pytest.raises(CommandError):
        call_command("import_catalog", write(tmp_path, "code,name\nA,b\n"), "--kind", "lab")
    assert "missing columns name_fa, unit_price" in capsys.readouterr().err


def test_code_of_another_kind_is_refused(demo, tmp_path, capsys):
    with pytest.raises(CommandError):
        call_command("import_catalog", write(tmp_path, "code,name_fa,unit_price\n"
                                                       "LAB-CBC,شمارش,100\n"), "--kind", "drug")
    assert CatalogItem.objects.get(code="LAB-CBC").kind == "lab"


def test_missing_file_is_a_clear_error(db):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_catalog", "/nonexistent.csv", "--kind", "drug")


def test_search_by_persian_or_latin_name(demo):
    amoxicillin = ["AMOX-500-CAP", "AMOX-500-CAP-B"]  # the generic and its brand
    assert sorted(i.code for i in catalog_search(kind="drug", query="آموکسی")) == amoxicillin
    assert sorted(i.code for i in catalog_search(kind="drug", query="amoxi")) == amoxicillin
    assert [i.code for i in catalog_search(kind="drug", query="WARF")] == ["WARF-5-TAB"]
    # Arabic yeh and kaf typed by an Arabic keyboard still match
    assert sorted(i.code for i in catalog_search(kind="drug", query="آموكسي")) == amoxicillin
    assert catalog_search(kind="lab", query="آموکسی") == []
    assert catalog_search(kind="drug", query="آ") == []


def test_search_returns_at_most_20(demo, tmp_path):
    rows = "\n".join(f"TEST-{i},داروی آزمایشی {i},Test drug {i},100" for i in range(40))
    call_command("import_catalog", write(tmp_path, "code,name_fa,name_en,unit_price\n" + rows),
                 "--kind", "drug", stdout=open("/dev/null", "w"))
    assert len(catalog_search(kind="drug", query="آزمایشی")) == 20


@pytest.mark.parametrize("query", ["paracetamol", "استامینوفن", "پارا", "تایلنول", "TYLENOL",
                                   "acetaminophen"])
def test_generic_brand_and_common_names_find_acetaminophen(demo, query):
    assert [i.code for i in catalog_search(kind="drug", query=query)] == ["PARA-500-TAB"]


def test_import_takes_synonyms_pack_sizes_and_tracking(db, tmp_path):
    text = ("code,name_fa,name_en,unit_price,synonyms,pack_size,tracked,default_days_supply\n"
            "MET-500-TAB,متفورمین,Metformin,3000,glucophage| گلوکوفاژ ,100,,90\n"
            "GAUZE-1,گاز استریل,Gauze,1000,,,0,\n")
    call_command("import_catalog", write(tmp_path, text), "--kind", "drug",
                 stdout=open("/dev/null", "w"))
    met = CatalogItem.objects.get(code="MET-500-TAB")
    assert (met.synonyms, met.pack_size, met.ttac_tracked, met.default_days_supply) == (
        "glucophage|گلوکوفاژ", 100, True, 90)
    assert not CatalogItem.objects.get(code="GAUZE-1").ttac_tracked
    assert [i.code for i in catalog_search(kind="drug", query="گلوکو")] == ["MET-500-TAB"]


@pytest.mark.parametrize("column, value", [("pack_size", "0"), ("pack_size", "ten"),
                                           ("tracked", "maybe"),
                                           ("default_days_supply", "99999")])
def test_bad_pack_columns_import_nothing(db, tmp_path, capsys, column, value):
    text = f"code,name_fa,unit_price,{column}\nMET-500-TAB,متفورمین,3000,{value}\n"
    with pytest.raises(CommandError):
        call_command("import_catalog", write(tmp_path, text), "--kind", "drug")
    assert column in capsys.readouterr().err
    assert not CatalogItem.objects.exists()


def test_lab_imports_are_not_pack_tracked(db, tmp_path):
    call_command("import_catalog", write(tmp_path, "code,name_fa,unit_price\nLAB-X,آزمایش,10\n"),
                 "--kind", "lab", stdout=open("/dev/null", "w"))
    assert not CatalogItem.objects.get(code="LAB-X").is_pack_tracked
