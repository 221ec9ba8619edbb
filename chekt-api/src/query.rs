//! Typed list parameters for the Partner API's list endpoints (seed 003):
//! `fields`, repeatable `filter=column,value,operator`, `sort`, `dir`.
//!
//! ```
//! use chekt_api::query::{Fields, Filters};
//!
//! let filters = Filters::new().eq("is_activated", 1).regex("name", "Gangnam");
//! assert_eq!(filters.render().unwrap(), ["is_activated,1,eq", "name,Gangnam,regex"]);
//! assert_eq!(Fields::new(["site_id", "name", "timezone"]).render().unwrap(), "site_id,name,timezone");
//! ```
//!
//! Both convert into what the generated builders take, so they plug straight
//! into `client.list_sites().filter(filters)`; an invalid entry (a comma in a
//! column or value, which the wire format cannot escape) makes the request
//! fail before it is sent.

use std::fmt;

/// A filter operator; `eq` is the server's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FilterOp {
    /// Equal (`eq`).
    Eq,
    /// Not equal (`neq`).
    Neq,
    /// Less than (`lt`).
    Lt,
    /// Less than or equal (`lte`).
    Lte,
    /// Greater than (`gt`).
    Gt,
    /// Greater than or equal (`gte`).
    Gte,
    /// Regular-expression match (`regex`).
    Regex,
}

impl FilterOp {
    /// The operator as sent.
    pub fn as_str(self) -> &'static str {
        match self {
            FilterOp::Eq => "eq",
            FilterOp::Neq => "neq",
            FilterOp::Lt => "lt",
            FilterOp::Lte => "lte",
            FilterOp::Gt => "gt",
            FilterOp::Gte => "gte",
            FilterOp::Regex => "regex",
        }
    }
}

impl fmt::Display for FilterOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a list parameter cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// A column name is empty or contains a character the format reserves.
    #[error("invalid column name `{0}`: it must be non-empty without `,` or whitespace")]
    Column(String),
    /// A filter value contains a comma, which `column,value,op` cannot carry.
    #[error("filter value for `{column}` contains a comma, which the filter format cannot escape")]
    Value {
        /// The column the value was for.
        column: String,
    },
}

/// One `column,value,operator` filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    column: String,
    value: String,
    op: FilterOp,
}

impl Filter {
    /// A filter on `column`.
    pub fn new(column: impl Into<String>, op: FilterOp, value: impl ToString) -> Self {
        Filter {
            column: column.into(),
            value: value.to_string(),
            op,
        }
    }

    /// The wire form, `column,value,operator`, or why it cannot be sent.
    pub fn render(&self) -> Result<String, QueryError> {
        check_column(&self.column)?;
        if self.value.contains(',') {
            return Err(QueryError::Value {
                column: self.column.clone(),
            });
        }
        Ok(format!("{},{},{}", self.column, self.value, self.op))
    }
}

fn check_column(column: &str) -> Result<(), QueryError> {
    if column.is_empty() || column.contains(',') || column.contains(char::is_whitespace) {
        return Err(QueryError::Column(column.to_string()));
    }
    Ok(())
}

/// Several filters, combined with AND by the server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters(Vec<Filter>);

macro_rules! filter_methods {
    ($($name:ident => $op:ident, $doc:literal;)*) => {
        $(
            #[doc = $doc]
            pub fn $name(self, column: impl Into<String>, value: impl ToString) -> Self {
                self.with(Filter::new(column, FilterOp::$op, value))
            }
        )*
    };
}

impl Filters {
    /// No filters.
    pub fn new() -> Self {
        Filters::default()
    }

    /// Adds a filter.
    pub fn with(mut self, filter: Filter) -> Self {
        self.0.push(filter);
        self
    }

    filter_methods! {
        eq => Eq, "Adds `column,value,eq`.";
        neq => Neq, "Adds `column,value,neq`.";
        lt => Lt, "Adds `column,value,lt`.";
        lte => Lte, "Adds `column,value,lte`.";
        gt => Gt, "Adds `column,value,gt`.";
        gte => Gte, "Adds `column,value,gte`.";
        regex => Regex, "Adds `column,value,regex`.";
    }

    /// Whether there are no filters.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// One string per `filter=` query parameter, in order.
    pub fn render(&self) -> Result<Vec<String>, QueryError> {
        self.0.iter().map(Filter::render).collect()
    }
}

impl TryFrom<Filters> for Vec<String> {
    type Error = QueryError;

    fn try_from(filters: Filters) -> Result<Self, Self::Error> {
        filters.render()
    }
}

/// Columns to select (`fields=a,b,c`). Rows then carry only those columns,
/// so decode them into your own type rather than the full DTO.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields(Vec<String>);

impl Fields {
    /// The given columns, in order.
    pub fn new<I, S>(columns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Fields(columns.into_iter().map(Into::into).collect())
    }

    /// The wire form, `a,b,c`.
    pub fn render(&self) -> Result<String, QueryError> {
        for column in &self.0 {
            check_column(column)?;
        }
        Ok(self.0.join(","))
    }
}

impl TryFrom<Fields> for String {
    type Error = QueryError;

    fn try_from(fields: Fields) -> Result<Self, Self::Error> {
        fields.render()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_exactly_as_seed_003_shows() {
        let filters = Filters::new()
            .eq("is_activated", 1)
            .regex("name", "Gangnam");
        assert_eq!(
            Vec::<String>::try_from(filters).unwrap(),
            ["is_activated,1,eq", "name,Gangnam,regex"]
        );
        let cases = [
            (Filters::new().neq("a", "x"), "a,x,neq"),
            (Filters::new().lt("a", 1), "a,1,lt"),
            (Filters::new().lte("a", 1), "a,1,lte"),
            (
                Filters::new().gt("created_at", "2025-01-01"),
                "created_at,2025-01-01,gt",
            ),
            (Filters::new().gte("a", -2), "a,-2,gte"),
            (Filters::new().eq("sites.name", ""), "sites.name,,eq"),
        ];
        for (filters, expected) in cases {
            assert_eq!(filters.render().unwrap(), [expected]);
        }
        assert_eq!(
            String::try_from(Fields::new(["site_id", "name", "timezone"])).unwrap(),
            "site_id,name,timezone"
        );
    }

    #[test]
    fn rejects_what_the_format_cannot_carry() {
        assert_eq!(
            Filters::new().eq("name", "a,b").render(),
            Err(QueryError::Value {
                column: "name".into()
            })
        );
        assert_eq!(
            Filters::new().eq("", 1).render(),
            Err(QueryError::Column(String::new()))
        );
        assert_eq!(
            Fields::new(["site id"]).render(),
            Err(QueryError::Column("site id".into()))
        );
        assert!(Filters::new().is_empty());
    }
}
